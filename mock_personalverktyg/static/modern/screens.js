// Screens of the modern skin outside the send: Välj mottagning (native select + Fortsätt), Mina ärenden,
// Mottagningens ärenden (one list, filter chips, a data grid, "Visa fler") and Personliga inställningar.
(function () {
  'use strict';
  const h = MUI.h;

  MUI.screens.units = async function (ctx) {
    const units = MUI.session.units;
    const select = h('select', null, h('option', { value: '', selected: true, disabled: true }, 'Välj…'),
      units.map(function (u) { return h('option', { value: u.id }, u.name); }));
    const field = MUI.textField('mottagning', 'Mottagning', select);
    const go = h('button', { type: 'button', class: 'btn btn-contained' }, 'Fortsätt');
    go.addEventListener('click', function () {
      if (!select.value) { field.showError('Välj en mottagning'); return; }
      MUI.go('/ui/enhet/' + select.value + '/mina-arenden');
    });
    ctx.mount(null, h('h1', null, 'Välj mottagning'),
      h('section', { class: 'card card-narrow', 'aria-label': 'Mottagningar' }, field.element,
        h('div', { class: 'card-actions' }, go)));
  };

  function caseLine(a) {
    return h('li', { class: 'list-item' }, h('span', { class: 'list-primary' }, a.subject),
      h('span', { class: 'list-secondary' }, a.arende_id + ' · ' + a.display + ' · ' + a.sent_at_short),
      h('span', { class: 'chip' }, a.status));
  }

  MUI.screens.mine = async function (ctx, unit) {
    const data = await MUI.api('GET', '/enhet/' + unit + '/mina-arenden');
    const start = h('button', { type: 'button', class: 'btn btn-contained fab' }, MUI.icon('add'), 'Skicka ärende');
    start.addEventListener('click', function () { MUI.go('/ui/enhet/' + unit + '/nytt-arende'); });
    ctx.mount(null, h('div', { class: 'page-head' }, h('h1', null, 'Mina ärenden'), start),
      h('section', { class: 'card', 'aria-labelledby': 'senaste' }, h('h2', { id: 'senaste', class: 'card-title' },
        'Senast skickade'),
      data.arenden.length ? h('ul', { class: 'list', 'aria-label': 'Mina skickade ärenden' }, data.arenden.map(caseLine))
        : h('p', null, 'Du har inte skickat några ärenden från den här mottagningen ännu.')));
  };

  const COLUMNS = [['arende_id', 'Ärende-id'], ['display', 'Personnummer'], ['subject', 'Rubrik'],
    ['sent_at_short', 'Skickat'], ['sent_by', 'Skickat av'], ['status', 'Status']];

  function gridRow(a) {
    return h('div', { role: 'row', class: 'grid-row' }, COLUMNS.map(function (c) {
      const value = a[c[0]];
      return h('div', { role: 'gridcell', class: 'grid-cell' },
        c[0] === 'status' ? h('span', { class: 'chip' + (value === 'Läst av invånare' ? ' chip-success' : '') }, value) : value);
    }));
  }

  // Mottagningens ärenden: no tabs, every ärende at once; filters apply as they change; "Visa fler" appends the
  // next PAGE_SIZE rows until all are shown (then it is gone).
  MUI.screens.unitCases = async function (ctx, unit) {
    let filters = { arendetyp: 'alla', status: 'alla', personnummer: '' };
    let page = 1;
    let loads = 0;
    const body = h('div', { role: 'rowgroup' });
    const grid = h('div', { role: 'grid', class: 'grid', 'aria-label': 'Ärenden', 'aria-readonly': 'true', 'aria-busy': 'true' },
      h('div', { role: 'rowgroup' }, h('div', { role: 'row', class: 'grid-row grid-head' }, COLUMNS.map(function (c) {
        return h('div', { role: 'columnheader', class: 'grid-cell' }, c[1]);
      }))), body);
    const summary = h('p', { class: 'subtitle', 'aria-live': 'polite' });
    const more = h('button', { type: 'button', class: 'btn btn-outlined' }, 'Visa fler');
    const footer = h('div', { class: 'grid-footer' });
    const problem = h('div', { class: 'alert-slot' });
    const pnr = MUI.textField('filter-pnr', 'Personnummer', h('input', { type: 'text', inputmode: 'numeric',
      placeholder: 'ÅÅÅÅMMDD-NNNN' }));
    const search = h('button', { type: 'submit', class: 'btn btn-contained' }, 'Sök');

    // `append`: Visa fler; otherwise the filters changed and the list starts over. A newer load wins.
    async function load(append) {
      const mine = ++loads;
      grid.setAttribute('aria-busy', 'true');
      more.disabled = true;
      problem.replaceChildren();
      const query = new URLSearchParams(Object.assign({ vy: 'alla', sida: String(append ? page + 1 : 1) }, filters));
      let data;
      try {
        data = await MUI.api('GET', '/enhet/' + unit + '/arenden?' + query.toString());
      } catch (err) {
        if (mine !== loads) return;
        grid.setAttribute('aria-busy', 'false');
        more.disabled = false;
        MUI.fail(err, function (text) {
          problem.replaceChildren(MUI.alert(text, h('button', { type: 'button', class: 'btn btn-text',
            onclick: function () { load(append); } }, 'Försök igen')));
        });
        return;
      }
      if (mine !== loads) return;
      page = data.page;
      if (!append) body.replaceChildren();
      data.arenden.forEach(function (a) { body.appendChild(gridRow(a)); });
      pnr.clearError();
      if (data.errors.length) pnr.showError(data.errors.join(' '));
      const shown = body.children.length;
      summary.textContent = data.total ? 'Visar ' + shown + ' av ' + data.total + ' ärenden' : 'Inga ärenden matchar filtren.';
      footer.replaceChildren(data.page < data.pages ? more : null);
      more.disabled = false;
      grid.setAttribute('aria-busy', 'false');
    }
    more.addEventListener('click', function () { load(true); });
    function setFilter(key) {
      return function (value) { filters = Object.assign({}, filters, { [key]: value }); load(false); };
    }
    const form = h('form', { class: 'filter-bar', role: 'search', 'aria-label': 'Filtrera ärenden', novalidate: true },
      MUI.chipGroup({ id: 'arendetyp', label: 'Ärendetyp', value: 'alla', onChange: setFilter('arendetyp'), options: [
        { value: 'alla', text: 'Alla' }, { value: 'varden', text: 'Skickat av vården' },
        { value: 'invanare', text: 'Skickat av invånare' }] }),
      MUI.chipGroup({ id: 'status', label: 'Status', value: 'alla', onChange: setFilter('status'), options: [
        { value: 'alla', text: 'Alla' }, { value: 'olast', text: 'Oläst av invånare' },
        { value: 'last', text: 'Läst av invånare' }] }),
      h('div', { class: 'search-row' }, pnr.element, search));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      filters = Object.assign({}, filters, { personnummer: pnr.control.value.trim() });
      load(false);
    });
    ctx.mount(null, h('h1', null, 'Mottagningens ärenden'), h('section', { class: 'card' }, form),
      h('section', { class: 'card', 'aria-label': 'Alla ärenden' }, summary, problem, h('div', { class: 'grid-scroll' }, grid),
        footer));
    await load(false);
  };

  MUI.screens.settings = async function (ctx) {
    const data = await MUI.api('GET', '/installningar');
    const user = MUI.session.user;
    const signature = MUI.textField('signatur', 'Signatur', h('textarea', { rows: 3 }),
      'Signaturen visas under varje meddelande du skickar.');
    signature.control.value = data.signature;
    const save = h('button', { type: 'button', class: 'btn btn-contained' }, 'Spara');
    save.addEventListener('click', async function () {
      save.disabled = true;
      try {
        MUI.snackbar((await MUI.api('PUT', '/installningar', { signature: signature.control.value })).message);
      } catch (err) {
        MUI.fail(err, signature.showError);
      }
      save.disabled = false;
    });
    ctx.mount(null, h('h1', null, 'Personliga inställningar'),
      h('section', { class: 'card' }, h('dl', { class: 'facts' }, h('dt', null, 'Namn'), h('dd', null, user.name),
        h('dt', null, 'HSA-id'), h('dd', null, user.hsa_id)), signature.element, h('div', { class: 'card-actions' }, save)));
  };
})();
