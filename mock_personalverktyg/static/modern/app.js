// Routes and start-up of the modern skin: the app bar, the navigation drawer (links) and the history routes.
(function () {
  'use strict';
  const h = MUI.h;
  const drawer = document.getElementById('drawer');
  const actions = document.getElementById('app-bar-actions');
  const unitRoute = /^\/enhet\/([^/]+)\/(.*)$/;
  const S = MUI.screens;

  MUI.route(/^\/valj-mottagning$/, S.units);
  MUI.route(/^\/installningar$/, S.settings);
  MUI.route(/^\/enhet\/([^/]+)\/mina-arenden$/, S.mine);
  MUI.route(/^\/enhet\/([^/]+)\/nytt-arende$/, S.step1);
  MUI.route(/^\/enhet\/([^/]+)\/nytt-arende\/([^/]+)\/mottagare$/, S.step2);
  MUI.route(/^\/enhet\/([^/]+)\/nytt-arende\/([^/]+)\/meddelande$/, S.step3);
  MUI.route(/^\/enhet\/([^/]+)\/nytt-arende\/([^/]+)\/kvitto$/, S.receipt);
  MUI.route(/^\/enhet\/([^/]+)\/mottagningens-arenden$/, S.unitCases);

  let currentUnit = null;

  function appBar() {
    const unit = MUI.session.units.find(function (u) { return u.id === currentUnit; });
    const logout = MUI.iconButton('logout', 'Logga ut', async function () {
      await fetch('/logout', { method: 'POST', headers: { 'X-CSRFToken': document.querySelector('meta[name="csrf-token"]').content } });
      location.href = '/login';
    });
    actions.replaceChildren(
      unit ? h('span', { class: 'chip chip-light' }, unit.name) : null,
      unit ? h('a', { class: 'app-bar-link', href: '/ui/valj-mottagning' }, 'Byt mottagning') : null,
      h('button', { type: 'button', class: 'user-button', title: 'Personliga inställningar',
        onclick: function () { MUI.go('/ui/installningar'); } }, MUI.session.user.name),
      logout);
  }

  // The drawer: links, the current one marked; shown once a unit is chosen.
  function menu(section) {
    if (!currentUnit) { drawer.hidden = true; drawer.replaceChildren(); return; }
    const items = [['mina-arenden', 'Mina ärenden', ['mina-arenden', 'nytt-arende']],
      ['mottagningens-arenden', 'Mottagningens ärenden', ['mottagningens-arenden']]];
    drawer.replaceChildren(h('ul', { class: 'drawer-list' }, items.map(function (item) {
      return h('li', null, h('a', { class: 'drawer-item', href: '/ui/enhet/' + currentUnit + '/' + item[0],
        'aria-current': item[2].indexOf(section) >= 0 ? 'page' : false }, item[1]));
    })));
    drawer.hidden = false;
  }

  MUI.onRoute = function (path) {
    const match = path.match(unitRoute);
    if (match) currentUnit = match[1];
    else if (path === '/valj-mottagning') currentUnit = null;
    if (MUI.session) { appBar(); menu(match ? match[2].split('/')[0] : ''); }
  };

  async function boot() {
    try {
      MUI.session = await MUI.api('GET', '/session');
    } catch (err) {
      if (err.status === 401) return;
      document.getElementById('content').replaceChildren(h('h1', null, 'Tekniskt fel'),
        MUI.alert(err.message, h('button', { type: 'button', class: 'btn btn-text', onclick: boot }, 'Försök igen')));
      MUI.busy(false);
      return;
    }
    MUI.render();
  }
  boot();
})();
