// Välj mottagning, Mina ärenden, Mottagningens ärenden and Personliga inställningar in the single-page skin.
(function () {
  'use strict';
  const h = PVS.h;

  // Unit choice: links (the classic skin has buttons).
  PVS.views.units = async function (ctx) {
    const units = PVS.session.units;
    ctx.mount(null, h('h1', null, 'Välj mottagning'), h('p', null, 'Välj den mottagning du vill arbeta för.'),
      h('ul', { class: 'unit-links', 'aria-label': 'Mottagningar' }, units.map(function (u) {
        return h('li', null, h('a', { href: '#/enhet/' + u.id + '/mina-arenden' }, u.name));
      })));
  };

  function caseItem(a) {
    return h('li', null, h('strong', null, a.arende_id), ' – ' + a.display + ' – ' + a.subject + ' – ' + a.sent_at +
      ' – ' + a.status);
  }

  // Mina ärenden: "Skicka ärende" is a button (the classic skin has a link).
  PVS.views.mine = async function (ctx, unit) {
    const data = await PVS.api('GET', '/enhet/' + unit + '/mina-arenden');
    ctx.mount(null, h('div', { class: 'page-head' }, h('h1', null, 'Mina ärenden'),
      h('button', { type: 'button', class: 'primary', onclick: function () { PVS.go('#/enhet/' + unit + '/skicka-arende'); } },
        'Skicka ärende')),
    h('h2', null, 'Senast skickade'),
    data.arenden.length
      ? h('ul', { class: 'cases', 'aria-label': 'Mina skickade ärenden' }, data.arenden.map(caseItem))
      : h('p', { class: 'muted' }, 'Du har inte skickat några ärenden från den här mottagningen ännu.'));
  };

  const COLUMNS = [['arende_id', 'Ärende-id'], ['display', 'Personnummer'], ['subject', 'Rubrik'], ['sent_at', 'Skickat'],
    ['sent_by', 'Skickat av'], ['status', 'Status']];

  // Alla ärenden's result: an ARIA table of divs (role=row / columnheader / cell), named with its count.
  function grid(data) {
    return h('div', { role: 'table', class: 'grid', 'aria-label': 'Ärenden (' + data.total + ' träffar)',
      'aria-rowcount': data.total + 1 },
    h('div', { role: 'rowgroup' }, h('div', { role: 'row', class: 'grid-row head' }, COLUMNS.map(function (c) {
      return h('div', { role: 'columnheader' }, c[1]);
    }))),
    h('div', { role: 'rowgroup' }, data.arenden.map(function (a, i) {
      return h('div', { role: 'row', class: 'grid-row', 'aria-rowindex': data.first + i + 1 }, COLUMNS.map(function (c) {
        return h('div', { role: 'cell' }, a[c[0]]);
      }));
    })));
  }

  function allCases(unit, panel) {
    let filters = { arendetyp: 'alla', status: 'alla', personnummer: '' };
    let page = 1;
    let kinds = null;
    let statuses = null;
    const results = h('div', { class: 'results', 'aria-live': 'polite' });
    const form = h('form', { role: 'search', class: 'filters panel', 'aria-label': 'Filtrera ärenden', novalidate: true });
    let kind, status, pnr;

    async function load() {
      results.setAttribute('aria-busy', 'true');
      const query = new URLSearchParams(Object.assign({ vy: 'alla', sida: String(page) }, filters));
      let data;
      try {
        data = await PVS.api('GET', '/enhet/' + unit + '/arenden?' + query.toString());
      } catch (err) {
        results.setAttribute('aria-busy', 'false');
        PVS.fail(err, function (text) {
          results.replaceChildren(h('p', { class: 'error-text' }, text),
            h('button', { type: 'button', onclick: load }, 'Försök igen'));
        });
        return;
      }
      if (!kinds) build(data);
      pnr.clearError();
      if (data.errors.length) pnr.showError(data.errors.join(' '));
      const summary = data.total
        ? 'Visar ' + data.first + '–' + (data.first + data.arenden.length - 1) + ' av ' + data.total + ' ärenden'
        : 'Inga ärenden matchar sökningen.';
      const previous = h('button', { type: 'button', disabled: data.page <= 1 }, 'Föregående sida');
      const next = h('button', { type: 'button', disabled: data.page >= data.pages }, 'Nästa sida');
      previous.addEventListener('click', function () { page = data.page - 1; load(); });
      next.addEventListener('click', function () { page = data.page + 1; load(); });
      results.replaceChildren(h('p', { class: 'muted' }, summary), grid(data),
        h('nav', { class: 'paging', 'aria-label': 'Sidor' }, previous, h('span', null, 'Sida ' + data.page + ' av ' + data.pages), next));
      results.setAttribute('aria-busy', 'false');
    }
    function build(data) {
      kinds = data.kinds;
      statuses = data.statuses;
      kind = PVS.listbox({ id: 'arendetyp', label: 'Ärendetyp', listName: "Typ av ärende", value: 'alla', options: kinds.map(toOption) });
      status = PVS.listbox({ id: 'status', label: 'Status', listName: "Läsläge", value: 'alla', options: statuses.map(toOption) });
      pnr = PVS.field('filter-pnr', 'Personnummer', h('input', { inputmode: 'numeric', placeholder: 'ÅÅÅÅMMDD-NNNN' }));
      form.append(kind.element, status.element, pnr.element, h('button', { type: 'submit', class: 'primary' }, 'Sök'));
    }
    function toOption(o) { return { value: o.value, text: o.text }; }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      filters = { arendetyp: kind.value, status: status.value, personnummer: pnr.control.value.trim() };
      page = 1;
      load();
    });
    panel.replaceChildren(form, results);
    return load();
  }

  async function newCases(unit, panel) {
    const data = await PVS.api('GET', '/enhet/' + unit + '/arenden?vy=nya');
    panel.replaceChildren(data.arenden.length
      ? h('ul', { class: 'cases', 'aria-label': 'Nya ärenden (' + data.total + ')' }, data.arenden.map(caseItem))
      : h('p', { class: 'muted' }, 'Inga nya ärenden.'));
  }

  // Mottagningens ärenden: tabs are buttons; the default tab is Nya ärenden; switching renders without a new URL.
  PVS.views.unitCases = async function (ctx, unit) {
    const panel = h('div', { role: 'tabpanel', id: 'flik-panel', class: 'tabpanel' });
    const tabs = [['nya', 'Nya ärenden', newCases], ['alla', 'Alla ärenden', allCases]].map(function (t) {
      const button = h('button', { type: 'button', role: 'tab', id: 'flik-' + t[0], 'aria-controls': 'flik-panel' }, t[1]);
      button.addEventListener('click', function () { select(t); });
      return [t, button];
    });
    async function select(tab) {
      tabs.forEach(function (pair) { pair[1].setAttribute('aria-selected', pair[0] === tab ? 'true' : 'false'); });
      panel.setAttribute('aria-labelledby', 'flik-' + tab[0]);
      panel.setAttribute('aria-busy', 'true');
      try {
        await tab[2](unit, panel);
      } catch (err) {
        PVS.fail(err, function (text) {
          panel.replaceChildren(h('p', { class: 'error-text' }, text),
            h('button', { type: 'button', onclick: function () { select(tab); } }, 'Försök igen'));
        });
      }
      panel.setAttribute('aria-busy', 'false');
    }
    ctx.mount(null, h('h1', null, 'Mottagningens ärenden'),
      h('div', { role: 'tablist', class: 'tabs', 'aria-label': 'Vyer' }, tabs.map(function (p) { return p[1]; })), panel);
    await select(tabs[0][0]);
  };

  PVS.views.settings = async function (ctx) {
    const data = await PVS.api('GET', '/installningar');
    const user = PVS.session.user;
    const signature = PVS.field('signatur', 'Signatur', h('textarea', { rows: 3 }),
      'Signaturen visas under varje meddelande du skickar.');
    signature.control.value = data.signature;
    const save = h('button', { type: 'button', class: 'primary' }, 'Spara');
    save.addEventListener('click', async function () {
      save.disabled = true;
      try {
        PVS.toast((await PVS.api('PUT', '/installningar', { signature: signature.control.value })).message);
      } catch (err) {
        PVS.fail(err, signature.showError);
      }
      save.disabled = false;
    });
    ctx.mount(null, h('h1', null, 'Personliga inställningar'),
      h('dl', { class: 'facts' }, h('dt', null, 'Namn'), h('dd', null, user.name), h('dt', null, 'HSA-id'),
        h('dd', null, user.hsa_id), h('dt', null, 'Roll'), h('dd', null, user.role)),
      h('section', { class: 'panel' }, signature.element, save));
  };
})();
