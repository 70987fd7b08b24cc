// Routes and start-up of the single-page skin: the header, the main menu (buttons) and the hash routes.
(function () {
  'use strict';
  const h = PVS.h;
  const nav = document.getElementById('mainnav');
  const userBox = document.getElementById('appbar-user');
  const unitRoute = /^\/enhet\/([^/]+)\/(.*)$/;

  PVS.route(/^\/valj-mottagning$/, PVS.views.units);
  PVS.route(/^\/installningar$/, PVS.views.settings);
  PVS.route(/^\/enhet\/([^/]+)\/mina-arenden$/, PVS.views.mine);
  PVS.route(/^\/enhet\/([^/]+)\/skicka-arende$/, PVS.views.step1);
  PVS.route(/^\/enhet\/([^/]+)\/utkast\/([^/]+)\/mottagare$/, PVS.views.step2);
  PVS.route(/^\/enhet\/([^/]+)\/utkast\/([^/]+)\/meddelande$/, PVS.views.step3);
  PVS.route(/^\/enhet\/([^/]+)\/utkast\/([^/]+)\/kvitto$/, PVS.views.receipt);
  PVS.route(/^\/enhet\/([^/]+)\/mottagningens-arenden$/, PVS.views.unitCases);

  let currentUnit = null;

  function header() {
    const unit = PVS.session.units.find(function (u) { return u.id === currentUnit; });
    const logout = h('button', { type: 'button', class: 'link-button' }, 'Logga ut');
    logout.addEventListener('click', async function () {
      await fetch('/logout', { method: 'POST', headers: { 'X-CSRFToken': document.querySelector('meta[name="csrf-token"]').content } });
      location.href = '/login';
    });
    // replaceChildren writes a null as the text "null": leave the unit's parts out instead.
    userBox.replaceChildren(
      ...(unit ? [h('span', { class: 'unit' }, 'Mottagning: ', h('strong', null, unit.name)),
        h('a', { href: '#/valj-mottagning' }, 'Byt mottagning')] : []),
      h('button', { type: 'button', class: 'link-button user', title: 'Personliga inställningar',
        onclick: function () { PVS.go('#/installningar'); } }, PVS.session.user.name),
      logout);
  }

  // The main menu: buttons (the classic skin has links); shown once a unit is chosen.
  function menu(section) {
    if (!currentUnit) { nav.hidden = true; nav.replaceChildren(); return; }
    const items = [['mina-arenden', 'Mina ärenden', ['mina-arenden', 'skicka-arende', 'utkast']],
      ['mottagningens-arenden', 'Mottagningens ärenden', ['mottagningens-arenden']]];
    nav.replaceChildren(h('ul', null, items.map(function (item) {
      const active = item[2].indexOf(section) >= 0;
      return h('li', null, h('button', { type: 'button', 'aria-current': active ? 'page' : false,
        onclick: function () { PVS.go('#/enhet/' + currentUnit + '/' + item[0]); } }, item[1]));
    })));
    nav.hidden = false;
  }

  PVS.onRoute = function (path) {
    const match = path.match(unitRoute);
    if (match) currentUnit = match[1];
    else if (path === '/valj-mottagning') currentUnit = null;
    if (PVS.session) { header(); menu(match ? match[2].split('/')[0] : ''); }
  };

  async function boot() {
    try {
      PVS.session = await PVS.api('GET', '/session');
    } catch (err) {
      if (err.status === 401) return;
      document.getElementById('view').replaceChildren(h('h1', null, 'Tekniskt fel'),
        h('p', { class: 'error-text' }, err.message), h('button', { type: 'button', onclick: boot }, 'Försök igen'));
      PVS.busy(false);
      return;
    }
    PVS.render();
  }
  boot();
})();
