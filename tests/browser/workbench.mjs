// Drives the what-if workbench in the system Chromium, as a person would: picks scenarios,
// moves controls, types a bad value, negotiates, runs the uncertainty, saves a variant and
// re-opens it. Writes what the page's tables show to $OUT/cases.json for tests/serve_browser.rs
// to compare with `totalplace run --set`, and a screenshot to $OUT/workbench.png.
// Run by `cargo test --test serve_browser` (which starts the server), not by hand.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const URL = process.env.WORKBENCH_URL;
const OUT = process.env.OUT;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const clean = (x) => String(Number(x.toPrecision(12)));

const context = await chromium.launchPersistentContext(path.join(OUT, 'profile'), {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] || await context.newPage();
const problems = [];
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
// The one refused request is the bad value typed on purpose (422).
page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 422')) problems.push('console: ' + m.text()); });

const redraws = () => page.evaluate(() => window.__redraws.length);
async function settled(before) {
  await page.waitForFunction((n) => window.__redraws.length > n && document.getElementById('status').textContent === '', before, { timeout: 20000 });
}
async function table() {
  return page.evaluate(() => {
    const rows = {};
    for (const tr of document.querySelectorAll('#who-pays tbody tr')) {
      const tds = [...tr.querySelectorAll('td')];
      const keys = ['pv_costs', 'pv_cashable', 'pv_non_cashable', 'pv_transfers', 'npv', 'froi', 'payback'];
      rows[tr.dataset.party] = Object.fromEntries(keys.map((k, i) => [k, { value: tds[i + 1].dataset.value ?? null, text: tds[i + 1].textContent }]));
    }
    return rows;
  });
}
const num = (p) => page.locator(`.control input[type=number][data-path="${p}"]`);
const slider = (p) => page.locator(`.control input[type=range][data-path="${p}"]`);
async function type(p, shown) {
  const n = await redraws();
  await num(p).fill(String(shown));
  await settled(n);
}
async function open(file) {
  const n = await redraws();
  await page.locator(`#scenarios tr[data-file="${file}"] a`).click();
  await settled(n);
}

const cases = [];
await page.goto(URL + '/');
await page.waitForSelector('#who-pays tbody tr[data-party="system"]');
await open('bradford-care-leavers');
cases.push({ scenario: 'bradford-care-leavers', sets: [], rows: await table() });

// A rate typed as a per cent (the engine takes 0.3).
const SUCCESS = 'outcome.sustained-work-or-training.success';
await type(SUCCESS, 30);
const sets = [[SUCCESS, '0.3']];
cases.push({ scenario: 'bradford-care-leavers', sets: [...sets], rows: await table() });
const changes = await page.locator('#changes').innerText();

// A cost, on top.
await type('cost.personal-advisers.amounts.0', 180000);
sets.push(['cost.personal-advisers.amounts.0', '180000']);
cases.push({ scenario: 'bradford-care-leavers', sets: [...sets], rows: await table() });

// A slider moved with the keyboard, as a person would.
const ENG = 'outcome.sustained-work-or-training.engagement';
let n = await redraws();
await slider(ENG).focus();
await page.keyboard.press('ArrowLeft');
await settled(n);
const eng = clean(Number(await num(ENG).inputValue()) / 100);
sets.push([ENG, eng]);
cases.push({ scenario: 'bradford-care-leavers', sets: [...sets], rows: await table() });

// Input-to-redraw times: twenty slider steps, each waited for.
const start = (await page.evaluate(() => window.__redraws.length));
for (let i = 0; i < 20; i++) {
  n = await redraws();
  await page.keyboard.press(i % 2 ? 'ArrowRight' : 'ArrowLeft');
  await settled(n);
}
const times = await page.evaluate((s) => window.__redraws.slice(s), start);
// Back to the recorded engagement value (an even number of steps: it already is).

// A bad value: the validator's message next to the control, figures left as they were.
n = await redraws();
await num(SUCCESS).fill('150');
await page.waitForFunction((p) => document.querySelector(`[data-error-for="${p}"]`).textContent !== '', SUCCESS);
const badMessage = await page.locator(`[data-error-for="${SUCCESS}"]`).innerText();
await type(SUCCESS, 30);

// Negotiate: propose the fair shares.
n = await redraws();
await page.locator('#propose').click();
await settled(n);
const negotiated = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#negotiation tbody tr')]
  .map((tr) => [tr.dataset.party, { contribution: tr.querySelector('.contribution').value, npv: tr.querySelector('.npv').dataset.value }])));
const negotiatedRows = await table();
n = await redraws();
await page.locator('#clear-negotiation').click();
await settled(n);

// Uncertainty with progress.
await page.locator('#mc-iterations').fill('5000');
await page.locator('#mc-run').click();
await page.waitForSelector('#mc-table:not([hidden]) tbody tr', { timeout: 60000 });
const mc = await page.locator('#mc-table').innerText();

// Save the variant and re-open it.
await page.locator('#save-name').fill('browser-variant');
await page.locator('#save-btn').click();
await page.waitForSelector('#open-saved', { timeout: 20000 });
const saveStatus = await page.locator('#save-status').innerText();
await page.screenshot({ path: path.join(OUT, 'workbench.png'), fullPage: true });
n = await redraws();
await page.locator('#open-saved').click();
await settled(n);
const reopenedName = await page.locator('#scenario-name').innerText();
cases.push({ scenario: 'browser-variant', sets: [], rows: await table() });

// A transfer, on another scenario.
await open('barnet-families');
await type('transfer.police-pool.amounts.0', 150000);
cases.push({ scenario: 'barnet-families', sets: [['transfer.police-pool.amounts.0', '150000']], rows: await table() });

// Compare the original and the saved variant side by side.
await page.locator('#scenarios input[value="bradford-care-leavers"]').check();
await page.locator('#scenarios input[value="browser-variant"]').check();
await page.locator('#compare-btn').click();
await page.waitForSelector('#compare-table');
const compare = await page.locator('#compare-table').innerText();
await page.screenshot({ path: path.join(OUT, 'workbench-barnet.png'), fullPage: true });

fs.writeFileSync(path.join(OUT, 'cases.json'), JSON.stringify({
  cases, times, changes, badMessage, negotiated, negotiatedRows, mc, saveStatus, reopenedName, compare, problems, engagement: eng,
}, null, 1));
await context.close();
