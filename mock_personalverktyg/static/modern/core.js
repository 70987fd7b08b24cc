// Personalverktyget, modern skin: API client, element builder, history router, busy state, snackbars, alerts.
window.MUI = (function () {
  'use strict';
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const content = document.getElementById('content');
  const texts = JSON.parse(document.getElementById('site-texts').textContent);
  const routes = [];
  let generation = 0;
  let expired = false;

  class ApiError extends Error {
    constructor(status, data) {
      super((data && data.error) || technical(status));
      this.status = status;
      this.data = data || {};
    }
  }

  function technical(status) {
    if (status === 504) {
      return 'Tekniskt fel (felkod 504): Svaret från servern dröjde för länge. ' +
        'Det är inte säkert om åtgärden genomfördes.';
    }
    if (!status) return 'Tekniskt fel: ingen kontakt med servern. Försök igen.';
    return 'Tekniskt fel (felkod ' + status + '). Försök igen om en stund.';
  }

  // Every call carries the CSRF token in a header; 401 replaces the screen with "Sessionen har gått ut".
  async function api(method, path, body) {
    if (expired) throw new ApiError(401, { error: 'session_expired' });
    const headers = { 'X-CSRFToken': csrf, 'Accept': 'application/json' };
    let payload;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch('/api/spa' + path, { method: method, headers: headers, body: payload, credentials: 'same-origin' });
    } catch (e) {
      throw new ApiError(0, null);
    }
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (resp.status === 401) {
      sessionExpired();
      throw new ApiError(401, data);
    }
    if (!resp.ok) {
      const text = resp.status >= 500 ? technical(resp.status) : (data && data.error) || technical(resp.status);
      throw new ApiError(resp.status, Object.assign({}, data, { error: text }));
    }
    return data;
  }

  // h('button', {class: 'btn', onclick: fn, disabled: true}, 'Text', child, ...)
  function h(tag, attrs) {
    const svg = tag === 'svg' || tag === 'path' || tag === 'circle' || tag === 'title';
    const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
    const props = attrs || {};
    for (const key of Object.keys(props)) {
      const value = props[key];
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.setAttribute('class', value);
      else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
    for (let i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }

  // Material-style icons: decorative unless given a name (then role=img with that accessible name).
  const ICONS = {
    check: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z',
    error: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-2h2zm0-4h-2V7h2z',
    delete: 'M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6zM19 4h-3.5l-1-1h-5l-1 1H5v2h14z',
    logout: 'M17 7l-1.4 1.4 2.6 2.6H8v2h10.2l-2.6 2.6L17 17l5-5zM4 5h8V3H4a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h8v-2H4z',
    add: 'M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6z',
    menu: 'M7 10l5 5 5-5z',
    upload: 'M9 16h6v-6h4l-7-7-7 7h4zm-4 2h14v2H5z',
    person: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-2.7 0-8 1.3-8 4v2h16v-2c0-2.7-5.3-4-8-4z',
  };
  function icon(name, label, extra) {
    const attrs = label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': 'true', focusable: 'false' };
    return h('svg', Object.assign({ class: 'icon icon-' + name + (extra ? ' ' + extra : ''), viewBox: '0 0 24 24' }, attrs),
      name === 'spinner' ? h('circle', { cx: 12, cy: 12, r: 9 }) : h('path', { d: ICONS[name] }));
  }
  function iconButton(name, label, onclick) {
    return h('button', { type: 'button', class: 'icon-button', 'aria-label': label, onclick: onclick }, icon(name));
  }

  // An inline alert (role=alert) with an optional action button.
  function alert(text, action) {
    return h('div', { class: 'alert alert-error', role: 'alert' }, icon('error'), h('span', { class: 'alert-text' }, text),
      action || null);
  }

  function route(pattern, handler) { routes.push([pattern, handler]); }
  function go(path) {
    if (location.pathname !== path) history.pushState(null, '', path);
    render();
  }
  function busy(on) { content.setAttribute('aria-busy', on ? 'true' : 'false'); }

  // A render context: stale async work (the person already moved on) must not touch the page.
  function context(gen) {
    return {
      alive: function () { return gen === generation && !expired; },
      mount: function (focusTarget) {
        if (gen !== generation) return false;
        content.replaceChildren();
        append(content, Array.prototype.slice.call(arguments, 1));
        const target = focusTarget || content.querySelector('h1');
        if (target) {
          if (target.tagName === 'H1') target.setAttribute('tabindex', '-1');
          target.focus();
        }
        return true;
      },
    };
  }

  async function render() {
    if (expired) return;
    const gen = ++generation;
    const path = location.pathname.replace(/^\/ui/, '').replace(/\/$/, '') || '/valj-mottagning';
    MUI.onRoute(path);
    for (const entry of routes) {
      const match = path.match(entry[0]);
      if (!match) continue;
      busy(true);
      try {
        await entry[1].apply(null, [context(gen)].concat(match.slice(1).map(decodeURIComponent)));
      } catch (err) {
        if (gen === generation) showScreenError(err, context(gen));
      } finally {
        if (gen === generation) busy(false);
      }
      return;
    }
    context(gen).mount(null, h('h1', null, 'Sidan finns inte'), h('p', null, 'Sidan du sökte finns inte.'));
    busy(false);
  }

  function showScreenError(err, ctx) {
    if (err.status === 401) return;
    if (err.status === 403) {
      ctx.mount(null, h('h1', null, 'Behörighet saknas'), alert('Du har inte behörighet till den här mottagningen.'));
    } else if (err.status === 404) {
      ctx.mount(null, h('h1', null, 'Sidan finns inte'), alert('Sidan du sökte finns inte eller har tagits bort.'));
    } else {
      ctx.mount(null, h('h1', null, 'Tekniskt fel'),
        alert(err.message || technical(500), h('button', { type: 'button', class: 'btn btn-text', onclick: render }, 'Försök igen')));
    }
  }

  function snackbar(text) {
    const box = h('div', { class: 'snackbar' }, text);
    document.getElementById('snackbars').appendChild(box);
    setTimeout(function () { box.remove(); }, 5000);
  }

  // An expired session replaces the screen (no dialog): a card with a link back through the login form.
  function sessionExpired() {
    if (expired) return;
    expired = true;
    generation++;
    busy(false);
    const next = location.pathname + location.search;
    content.replaceChildren(h('section', { class: 'card card-center', 'aria-labelledby': 'utgangen' },
      h('h1', { id: 'utgangen', tabindex: '-1' }, 'Sessionen har gått ut'),
      h('p', null, 'Din session har gått ut. Logga in igen.'),
      h('a', { class: 'btn btn-contained', href: '/login?next=' + encodeURIComponent(next) }, 'Logga in igen')));
    content.querySelector('h1').focus();
  }

  // Show an API error through `show`, unless the session-expired screen already says it.
  function fail(err, show) {
    if (err.status !== 401) show(err.message);
  }

  // In-app links (href under /ui/) change the screen without a page load.
  document.addEventListener('click', function (event) {
    const link = event.target.closest && event.target.closest('a[href^="/ui/"]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    go(link.getAttribute('href'));
  });
  window.addEventListener('popstate', render);

  return {
    api: api, h: h, icon: icon, iconButton: iconButton, alert: alert, route: route, go: go, render: render, busy: busy,
    snackbar: snackbar, fail: fail, texts: texts, onRoute: function () {}, screens: {}, session: null,
  };
})();
