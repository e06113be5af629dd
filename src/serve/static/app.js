// totalplace what-if workbench: a plain script over the JSON API (docs/serve.md).
// Every figure on the page comes from the server, which runs the engine `totalplace run` uses;
// this script only formats them.
'use strict';

const state = {
  file: null,          // scenario file stem
  controls: [],        // flattened control specs
  parties: [],
  set: {},             // path -> value text (as sent to the server)
  negotiate: null,     // {investor, contributions, gain_shares}
  seq: 0,              // latest evaluation asked
  shown: 0,            // latest evaluation drawn
  last: null,          // the last good evaluation
};
// Input-to-redraw times in ms (performance.now), read by the browser test.
window.__redraws = [];

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};

async function api(method, url, body) {
  const r = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const ct = r.headers.get('content-type') || '';
  const data = ct.includes('json') ? await r.json() : await r.blob();
  if (!r.ok) { const e = new Error(data.error || r.statusText); e.status = r.status; e.data = data; throw e; }
  return data;
}

// ------------------------------------------------------------------ formatting
function gbp(text) {
  if (text === null || text === undefined) return 'n/a';
  const n = Number(text);
  const neg = n < 0;
  const s = Math.round(Math.abs(n)).toLocaleString('en-GB');
  return (neg ? '-£' : '£') + s;
}
function ratio(text, dp = 4) { return text === null || text === undefined ? 'none' : Number(text).toFixed(dp); }
function pct(text) { return text === null || text === undefined ? 'n/a' : (Number(text) * 100).toFixed(1) + '%'; }
// Rates are shown in per cent and sent as fractions; toPrecision(12) keeps 0.3 as 0.3.
const clean = (x) => String(Number(x.toPrecision(12)));
const toShown = (c, v) => (c.unit === '%' ? clean(Number(v) * 100) : String(v));
const toValue = (c, shown) => (c.unit === '%' ? clean(Number(shown) / 100) : String(shown).trim());

// ------------------------------------------------------------------ scenarios
async function loadScenarios() {
  const d = await api('GET', '/api/scenarios');
  $('place').textContent = '· ' + d.place;
  const tb = $('scenarios').querySelector('tbody');
  tb.replaceChildren();
  for (const s of d.scenarios) {
    const tr = el('tr', { 'data-file': s.file });
    if (s.error) {
      tr.append(el('td', { text: s.file }), el('td', { colspan: 6, class: 'error', text: s.error }));
    } else {
      const a = el('a', { href: '#' + s.file, text: s.name });
      a.addEventListener('click', (e) => { e.preventDefault(); openScenario(s.file); });
      const cb = el('input', { type: 'checkbox', value: s.file, 'aria-label': 'compare ' + s.file });
      tr.append(el('td', {}, a, el('div', { class: 'file', text: s.file })), el('td', { text: s.cohort || '' }),
        el('td', { text: s.transition || '' }), el('td', { text: s.horizon + ' years' }),
        el('td', { text: s.start_year }), el('td', { class: 'num', text: gbp(s.system_npv) }), el('td', {}, cb));
    }
    tb.append(tr);
  }
  return d;
}

async function openScenario(file) {
  const d = await api('GET', '/api/scenarios/' + encodeURIComponent(file) + '/controls');
  state.file = file;
  state.set = {};
  state.negotiate = null;
  state.parties = d.parties;
  state.controls = [];
  $('bench').hidden = false;
  $('scenario-name').textContent = d.name;
  $('uncertainty').hidden = !d.has_uncertainty;
  const root = $('controls');
  root.replaceChildren();
  for (const g of d.groups) {
    const box = el('details', { open: '' }, el('summary', { text: g.title }));
    if (g.note) box.append(el('p', { class: 'hint', text: g.note }));
    for (const c of g.controls) { state.controls.push(c); box.append(controlRow(c)); }
    root.append(box);
  }
  buildNegotiation();
  location.hash = file;
  await evaluate(performance.now());
}

function rangeText(c) {
  const lo = toShown(c, c.min);
  const hi = c.max === null ? '∞' : toShown(c, c.max);
  return `range ${lo}–${hi}${c.unit === '%' ? '%' : ''}`;
}

function controlRow(c) {
  const row = el('div', { class: 'control', 'data-path': c.path });
  const id = 'c-' + c.path.replace(/[^a-z0-9]/gi, '_');
  const num = el('input', { type: 'number', id, step: 'any', value: toShown(c, c.base), 'data-path': c.path });
  const slider = el('input', { type: 'range', 'aria-label': c.label + ' slider', 'data-path': c.path });
  const base = Number(toShown(c, c.base));
  const max = c.max !== null ? Number(toShown(c, c.max)) : (base > 0 ? base * 2 : 1);
  slider.min = toShown(c, c.min); slider.max = String(max);
  slider.step = c.integer ? '1' : String(max / 200);
  slider.value = String(base);
  const reset = el('button', { type: 'button', class: 'reset', title: 'reset to ' + toShown(c, c.base), text: '↺' });
  const err = el('div', { class: 'error', 'data-error-for': c.path });
  const head = el('label', { for: id }, el('span', { class: 'name', text: c.label }), el('span', { class: 'unit', text: c.unit }));
  const meta = el('div', { class: 'meta', text: `base ${toShown(c, c.base)}${c.unit === '%' ? '%' : ''} · ${rangeText(c)}` });
  if (c.source) meta.append(el('div', { class: 'source', text: 'source: ' + c.source }));
  row.append(head, el('div', { class: 'inputs' }, num, slider, reset), meta, err);
  const changed = (shown, t0) => {
    const v = toValue(c, shown);
    if (v === String(c.base) || (c.unit === '%' && Number(shown) === base)) delete state.set[c.path];
    else state.set[c.path] = v;
    row.classList.toggle('changed', c.path in state.set);
    evaluate(t0);
  };
  num.addEventListener('input', (e) => { slider.value = num.value; changed(num.value, e.timeStamp || performance.now()); });
  slider.addEventListener('input', (e) => { num.value = slider.value; changed(slider.value, e.timeStamp || performance.now()); });
  reset.addEventListener('click', () => { num.value = toShown(c, c.base); slider.value = num.value; changed(num.value, performance.now()); });
  return row;
}

function variant() {
  const v = { scenario: state.file, set: { ...state.set } };
  if (state.negotiate) v.negotiate = state.negotiate;
  return v;
}

// ------------------------------------------------------------------ evaluate and draw
async function evaluate(t0) {
  const seq = ++state.seq;
  $('status').textContent = 'evaluating…';
  let d;
  try {
    d = await api('POST', '/api/evaluate', variant());
  } catch (e) {
    if (seq !== state.seq) return;
    showErrors(e.data && e.data.errors ? e.data.errors : { _: e.message });
    $('status').textContent = 'not evaluated: ' + e.message;
    $('status').className = 'error';
    return;
  }
  if (seq < state.shown) return;
  state.shown = seq;
  state.last = d;
  showErrors({});
  draw(d);
  $('status').textContent = '';
  $('status').className = '';
  // The figures are in the DOM; count the time once the browser has painted them.
  requestAnimationFrame(() => { window.__redraws.push(performance.now() - t0); });
}

function showErrors(errors) {
  for (const e of document.querySelectorAll('[data-error-for]')) {
    const m = errors[e.dataset.errorFor];
    e.textContent = m || '';
    e.closest('.control, tr')?.classList.toggle('invalid', !!m);
  }
}

function cell(text, value, cls = 'num') {
  const td = el('td', { class: cls, text });
  if (value !== undefined && value !== null) td.dataset.value = value;
  return td;
}

function draw(d) {
  const r = d.results;
  const s = r.system;
  $('headline').textContent = `System NPV ${gbp(s.npv)} · FROI ${ratio(s.froi, 2)} · payback ${s.payback} · wrong-pocket index ${ratio(r.wrong_pocket_index, 4)}`;
  const tb = $('who-pays').querySelector('tbody');
  tb.replaceChildren();
  const row = (id, label, sm) => {
    const tr = el('tr', { 'data-party': id });
    tr.append(el('td', { text: label }), cell(gbp(sm.pv_costs), sm.pv_costs), cell(gbp(sm.pv_cashable), sm.pv_cashable),
      cell(gbp(sm.pv_non_cashable), sm.pv_non_cashable), cell(gbp(sm.pv_transfers), sm.pv_transfers),
      cell(gbp(sm.npv), sm.npv), cell(ratio(sm.froi), sm.froi), cell(sm.payback, sm.payback, 'text'));
    return tr;
  };
  for (const p of r.parties) tb.append(row(p.id, p.name + (p.not_locally_cashable ? ' *' : ''), p.summary));
  const sys = row('system', 'system', s); sys.className = 'total'; tb.append(sys);
  $('wrong-pocket').textContent = `Wrong-pocket index W = ${ratio(r.wrong_pocket_index)} on all fiscal benefits, ${ratio(r.wrong_pocket_index_cashable)} on cashable. * not locally cashable (central budget).`;
  const fb = $('fair-shares').querySelector('tbody');
  fb.replaceChildren();
  for (const p of r.parties) {
    const tr = el('tr', { 'data-party': p.id });
    tr.append(el('td', { text: p.name }), cell(pct(p.cost_share), p.cost_share), cell(pct(p.benefit_share), p.benefit_share),
      cell(gbp(p.fair_share_transfer_all), p.fair_share_transfer_all), cell(gbp(p.fair_share_transfer_cashable), p.fair_share_transfer_cashable));
    fb.append(tr);
  }
  if (d.charts) {
    $('chart-who-pays').innerHTML = d.charts.who_pays;
    $('chart-cashflow').innerHTML = d.charts.cashflow;
  }
  const ch = $('changes');
  ch.replaceChildren(...d.changes.map((t) => el('li', { text: t })));
  for (const p of r.parties) {
    const c = document.querySelector(`#negotiation tr[data-party="${CSS.escape(p.id)}"] .npv`);
    if (c) { c.textContent = gbp(p.summary.npv); c.dataset.value = p.summary.npv; }
  }
}

// ------------------------------------------------------------------ negotiate
function buildNegotiation() {
  const sel = $('investor');
  sel.replaceChildren(...state.parties.map((p) => el('option', { value: p.id, text: p.name })));
  const tb = $('negotiation').querySelector('tbody');
  tb.replaceChildren();
  for (const p of state.parties) {
    const tr = el('tr', { 'data-party': p.id });
    const amt = el('input', { type: 'number', step: 'any', class: 'contribution', 'aria-label': 'contribution ' + p.id });
    const share = el('input', { type: 'number', step: 'any', min: '0', max: '100', class: 'gain-share', 'aria-label': 'gain share ' + p.id });
    const err = el('td', { class: 'error' });
    err.dataset.errorFor = 'negotiate.contribution.' + p.id;
    tr.append(el('td', { text: p.name }), el('td', {}, amt), el('td', {}, share), el('td', { class: 'num npv' }), err);
    amt.addEventListener('input', (e) => negotiationChanged(e.timeStamp));
    share.addEventListener('input', (e) => negotiationChanged(e.timeStamp));
    tb.append(tr);
  }
  sel.addEventListener('change', (e) => negotiationChanged(e.timeStamp));
}

function negotiationChanged(t0) {
  const n = { investor: $('investor').value, contributions: {}, gain_shares: {} };
  for (const tr of $('negotiation').querySelectorAll('tbody tr')) {
    const id = tr.dataset.party;
    const a = tr.querySelector('.contribution').value.trim();
    const s = tr.querySelector('.gain-share').value.trim();
    if (a !== '' && Number(a) !== 0) n.contributions[id] = a;
    if (s !== '' && Number(s) !== 0) n.gain_shares[id] = clean(Number(s) / 100);
  }
  const any = Object.keys(n.contributions).length + Object.keys(n.gain_shares).length > 0;
  state.negotiate = any ? n : null;
  evaluate(t0 || performance.now());
}

async function propose() {
  const v = variant();
  v.negotiate = { investor: $('investor').value, contributions: {}, gain_shares: {} };
  const d = await api('POST', '/api/fair-shares', { variant: v, basis: 'all' });
  $('investor').value = d.investor;
  for (const tr of $('negotiation').querySelectorAll('tbody tr')) {
    const a = d.contributions[tr.dataset.party];
    tr.querySelector('.contribution').value = a === undefined ? '' : a;
    tr.querySelector('.gain-share').value = '';
  }
  negotiationChanged(performance.now());
}

// ------------------------------------------------------------------ uncertainty
async function runUncertainty() {
  const body = { variant: variant(), iterations: Number($('mc-iterations').value), seed: Number($('mc-seed').value) };
  const prog = $('mc-progress');
  $('mc-status').className = '';
  try {
    const { job } = await api('POST', '/api/uncertainty', body);
    prog.hidden = false; prog.max = body.iterations; prog.value = 0;
    $('mc-run').disabled = true;
    for (;;) {
      const j = await api('GET', '/api/jobs/' + job);
      prog.value = j.done;
      $('mc-status').textContent = `${j.done.toLocaleString('en-GB')} of ${j.total.toLocaleString('en-GB')} runs`;
      if (j.result || j.error) { if (j.error) throw new Error(j.error); showSimulation(j.result); break; }
      await new Promise((r) => setTimeout(r, 150));
    }
  } catch (e) {
    $('mc-status').textContent = e.message; $('mc-status').className = 'error';
  } finally {
    $('mc-run').disabled = false;
  }
}

function showSimulation(s) {
  const t = $('mc-table');
  t.hidden = false;
  const tb = t.querySelector('tbody');
  tb.replaceChildren(...s.ranges.map((r) => {
    const tr = el('tr', { 'data-party': r.id });
    tr.append(el('td', { text: r.name }), cell(gbp(r.p5), r.p5), cell(gbp(r.p50), r.p50), cell(gbp(r.p95), r.p95),
      cell((r.prob_positive * 100).toFixed(1) + '%', r.prob_positive));
    return tr;
  }));
  $('mc-status').textContent = `${s.iterations.toLocaleString('en-GB')} runs, seed ${s.seed}`;
}

// ------------------------------------------------------------------ save, compare, download
async function save(overwrite = false) {
  const name = $('save-name').value.trim();
  const st = $('save-status');
  st.className = '';
  try {
    const d = await api('POST', '/api/save', { variant: variant(), name, overwrite });
    st.replaceChildren(`saved ${d.path}: ${d.changes.length ? d.changes.join('; ') : 'no changes'} `);
    const open = el('a', { href: '#' + d.file, id: 'open-saved', text: 'open it' });
    open.addEventListener('click', (e) => { e.preventDefault(); openScenario(d.file); });
    st.append(open);
    await loadScenarios();
  } catch (e) {
    if (e.status === 409 && !overwrite && confirm(e.message + '\nReplace it?')) return save(true);
    st.textContent = e.message; st.className = 'error';
  }
}

async function compare() {
  const files = [...document.querySelectorAll('#scenarios input[type=checkbox]:checked')].map((c) => c.value);
  const box = $('compare');
  if (!files.length) { box.textContent = 'Tick two or more scenarios to compare.'; return; }
  try {
    const d = await api('GET', '/api/compare?files=' + files.map(encodeURIComponent).join(','));
    const t = el('table', { class: 'figures', id: 'compare-table' });
    t.append(el('thead', {}, el('tr', {}, el('th', { text: 'measure' }), ...d.scenarios.map((s) => el('th', { text: s })))));
    const tb = el('tbody');
    for (const r of d.rows) tb.append(el('tr', {}, el('td', { text: r.measure }), ...r.cells.map((c) => el('td', { class: 'num', text: c }))));
    t.append(tb);
    box.replaceChildren(t);
  } catch (e) { box.textContent = e.message; }
}

async function download(file) {
  const st = $('dl-status');
  st.textContent = 'making ' + file + '…';
  try {
    const blob = await api('POST', '/api/download/' + file, variant());
    const a = el('a', { href: URL.createObjectURL(blob), download: `${state.file}-${file}` });
    document.body.append(a); a.click(); a.remove();
    st.textContent = file + ' ready';
  } catch (e) { st.textContent = e.message; }
}

// ------------------------------------------------------------------ wiring
$('reset-all').addEventListener('click', () => openScenario(state.file));
$('propose').addEventListener('click', propose);
$('clear-negotiation').addEventListener('click', () => {
  for (const i of $('negotiation').querySelectorAll('input')) i.value = '';
  negotiationChanged(performance.now());
});
$('mc-run').addEventListener('click', runUncertainty);
$('save-btn').addEventListener('click', () => save(false));
$('compare-btn').addEventListener('click', compare);
$('dl-pack').addEventListener('click', () => download('board-pack.html'));
$('dl-workbook').addEventListener('click', () => download('results.xlsx'));

loadScenarios().then((d) => {
  const want = decodeURIComponent(location.hash.slice(1));
  const first = d.scenarios.find((s) => s.file === want && !s.error) || d.scenarios.find((s) => !s.error);
  if (first) openScenario(first.file);
});
