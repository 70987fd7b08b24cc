// Personalverktyget, single-page skin: the JSON API client, element builder, router, busy state and toasts.
window.PVS = (function () {
  'use strict';
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const view = document.getElementById('view');
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

  // Every call carries the CSRF token in a header; 401 opens the session-expired dialog.
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

  // h('button', {class: 'primary', onclick: fn, disabled: true}, 'Text', child, ...)
  function h(tag, attrs) {
    const el = document.createElement(tag);
    const props = attrs || {};
    for (const key of Object.keys(props)) {
      const value = props[key];
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
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
  function hidden(text) { return h('span', { class: 'visually-hidden' }, text); }

  function route(pattern, handler) { routes.push([pattern, handler]); }
  function go(hash) {
    if (location.hash === hash) render(); else location.hash = hash;
  }
  function busy(on) { view.setAttribute('aria-busy', on ? 'true' : 'false'); }

  // A render context: stale async work (the person already moved on) must not touch the page.
  function context(gen) {
    return {
      alive: function () { return gen === generation && !expired; },
      mount: function (focusTarget) {
        if (gen !== generation) return false;
        const nodes = Array.prototype.slice.call(arguments, 1);
        view.replaceChildren();
        append(view, nodes);
        const target = focusTarget || view.querySelector('h1');
        if (target) {
          if (!target.hasAttribute('tabindex') && target.tagName === 'H1') target.setAttribute('tabindex', '-1');
          target.focus();
        }
        return true;
      },
    };
  }

  async function render() {
    if (expired) return;
    const gen = ++generation;
    const path = location.hash.replace(/^#/, '') || '/valj-mottagning';
    PVS.onRoute(path);
    for (const entry of routes) {
      const match = path.match(entry[0]);
      if (!match) continue;
      busy(true);
      try {
        await entry[1].apply(null, [context(gen)].concat(match.slice(1).map(decodeURIComponent)));
      } catch (err) {
        if (gen === generation) showViewError(err, context(gen));
      } finally {
        if (gen === generation) busy(false);
      }
      return;
    }
    context(gen).mount(null, h('h1', null, 'Sidan finns inte'), h('p', null, 'Sidan du sökte finns inte.'));
    busy(false);
  }

  function showViewError(err, ctx) {
    if (err.status === 401) return;
    if (err.status === 403) {
      ctx.mount(null, h('h1', null, 'Behörighet saknas'), h('p', null, 'Du har inte behörighet till den här mottagningen.'));
    } else if (err.status === 404) {
      ctx.mount(null, h('h1', null, 'Sidan finns inte'), h('p', null, 'Sidan du sökte finns inte eller har tagits bort.'));
    } else {
      ctx.mount(null, h('h1', null, 'Tekniskt fel'), h('p', { class: 'error-text' }, err.message || technical(500)),
        h('button', { type: 'button', onclick: render }, 'Försök igen'));
    }
  }

  function toast(text) {
    const box = h('div', { class: 'toast', role: 'status' }, text);
    document.getElementById('toasts').appendChild(box);
    setTimeout(function () { box.remove(); }, 5000);
  }

  function sessionExpired() {
    if (expired) return;
    expired = true;
    generation++;
    const next = '/app/' + location.hash;
    PVS.dialog({
      title: 'Sessionen har gått ut',
      text: 'Din session har gått ut. Logga in igen.',
      buttons: [{ text: 'Logga in igen', value: 'login', primary: true }],
      closable: false,
    }).then(function () { location.href = '/login?next=' + encodeURIComponent(next); });
  }

  // Show an API error through `show` (a field's error text), unless the session dialog already says it.
  function fail(err, show) {
    if (err.status !== 401) show(err.message);
  }

  window.addEventListener('hashchange', render);
  return {
    api: api, h: h, hidden: hidden, route: route, go: go, render: render, busy: busy, toast: toast, fail: fail,
    onRoute: function () {}, views: {}, session: null,
  };
})();
