// Components of the modern skin: text field, type-to-filter combobox, menu button, chip radio group, and the
// <pv-recipient-list> web component (an open shadow root) whose check results live only in icons' names.
(function () {
  'use strict';
  const h = MUI.h;
  const T = MUI.texts;
  let counter = 0;

  // An outlined text field: a real <label for>, helper text that turns into the error text.
  MUI.textField = function (id, label, control, helper) {
    control.id = id;
    control.classList.add('input');
    const help = h('p', { id: id + '-hjalp', class: 'helper' }, helper || '');
    control.setAttribute('aria-describedby', id + '-hjalp');
    const element = h('div', { class: 'text-field' }, h('label', { for: id, class: 'field-label' }, label), control, help);
    return {
      element: element,
      control: control,
      showError: function (text) {
        help.textContent = text;
        element.classList.add('has-error');
        control.setAttribute('aria-invalid', 'true');
      },
      clearError: function () {
        help.textContent = helper || '';
        element.classList.remove('has-error');
        control.removeAttribute('aria-invalid');
      },
    };
  };

  // Autocomplete: an <input role=combobox>; typing filters a popup listbox of options.
  MUI.combobox = function (opts) {
    const listId = opts.id + '-lista';
    const input = h('input', { type: 'text', role: 'combobox', autocomplete: 'off', 'aria-autocomplete': 'list',
      'aria-expanded': 'false', 'aria-controls': listId, placeholder: opts.placeholder || '' });
    const field = MUI.textField(opts.id, opts.label, input, opts.helper);
    const list = h('ul', { id: listId, role: 'listbox', class: 'popup', 'aria-label': opts.listName, hidden: true });
    list.addEventListener('mousedown', function (event) { event.preventDefault(); });  // keep focus in the input
    field.element.classList.add('combo');
    field.element.insertBefore(list, field.element.querySelector('.helper'));
    let chosen = null;

    function show() {
      const typed = input.value.trim().toLowerCase();
      const found = opts.options.filter(function (o) { return o.text.toLowerCase().indexOf(typed) >= 0; });
      list.replaceChildren();
      found.forEach(function (o) {
        list.appendChild(h('li', { role: 'option', id: opts.id + '-alt-' + (++counter),
          'aria-selected': chosen && chosen.value === o.value ? 'true' : 'false',
          onclick: function () { pick(o); } }, o.text));
      });
      if (!found.length) list.appendChild(h('li', { class: 'popup-empty' }, 'Inga träffar'));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }
    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }
    function pick(o) {
      chosen = o;
      input.value = o.text;
      field.clearError();
      close();
    }
    function move(step) {
      const options = Array.from(list.querySelectorAll('[role=option]'));
      const index = options.findIndex(function (li) { return li.id === input.getAttribute('aria-activedescendant'); });
      const next = options[Math.max(0, Math.min(options.length - 1, index + step))];
      if (next) input.setAttribute('aria-activedescendant', next.id);
    }
    input.addEventListener('input', function () { chosen = null; show(); });
    input.addEventListener('focus', show);
    input.addEventListener('blur', close);
    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        if (list.hidden) show();
        move(event.key === 'ArrowDown' ? 1 : -1);
      } else if (event.key === 'Enter' && !list.hidden) {
        const active = document.getElementById(input.getAttribute('aria-activedescendant'));
        if (active) { event.preventDefault(); active.click(); }
      } else if (event.key === 'Escape') {
        close();
      }
    });
    return {
      element: field.element,
      showError: field.showError,
      // A typed name that is exactly an option counts as chosen.
      get value() {
        if (chosen && chosen.text === input.value) return chosen.value;
        const exact = opts.options.find(function (o) { return o.text === input.value.trim(); });
        return exact ? exact.value : '';
      },
    };
  };

  // A menu button: the items (role=menuitem) exist only while the menu is open.
  MUI.menuButton = function (opts) {
    const menuId = opts.id + '-meny';
    const button = h('button', { type: 'button', id: opts.id, class: 'btn btn-outlined', 'aria-haspopup': 'menu',
      'aria-expanded': 'false', 'aria-controls': menuId }, opts.label, MUI.icon('menu'));
    const menu = h('ul', { id: menuId, role: 'menu', class: 'popup menu', 'aria-labelledby': opts.id, hidden: true });
    function open() {
      menu.replaceChildren();
      opts.items.forEach(function (item) {
        menu.appendChild(h('li', { role: 'menuitem', tabindex: '-1', onclick: function () { close(); item.onselect(); } },
          item.text));
      });
      menu.hidden = false;
      button.setAttribute('aria-expanded', 'true');
      document.addEventListener('mousedown', outside, true);
      const first = menu.querySelector('[role=menuitem]');
      if (first) first.focus();
    }
    function close() {
      menu.hidden = true;
      menu.replaceChildren();
      button.setAttribute('aria-expanded', 'false');
      document.removeEventListener('mousedown', outside, true);
    }
    function outside(event) {
      if (!wrapper.contains(event.target)) close();
    }
    menu.addEventListener('keydown', function (event) {
      const items = Array.from(menu.querySelectorAll('[role=menuitem]'));
      const index = items.indexOf(document.activeElement);
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const next = items[(index + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length];
        if (next) next.focus();
      } else if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        if (items[index]) items[index].click();
      } else if (event.key === 'Escape') {
        close();
        button.focus();
      }
    });
    button.addEventListener('click', function () { if (menu.hidden) open(); else close(); });
    const wrapper = h('div', { class: 'menu-anchor' }, button, menu);
    return wrapper;
  };

  // Filter chips: a radiogroup of native radios styled as chips; a change applies at once.
  MUI.chipGroup = function (opts) {
    const labelId = opts.id + '-etikett';
    const group = h('div', { role: 'radiogroup', class: 'chip-group', 'aria-labelledby': labelId });
    opts.options.forEach(function (o) {
      const radio = h('input', { type: 'radio', name: opts.id, value: o.value, id: opts.id + '-' + o.value,
        checked: o.value === opts.value });
      radio.addEventListener('change', function () { if (radio.checked) opts.onChange(o.value); });
      group.appendChild(h('label', { class: 'chip chip-filter', for: radio.id }, radio, h('span', null, o.text)));
    });
    return h('div', { class: 'chip-field' }, h('span', { id: labelId, class: 'field-label' }, opts.label), group);
  };

  // What this build shows for a recipient row's check (the store's codes and texts, in the site's words).
  MUI.resultText = function (row) {
    if (row.status === 'pending') return T.checking;
    if (row.status !== 'ok') return T.cannot + ': ' + T.reasons[row.code];
    const channel = row.texts.map(function (t) { return T.channels[t]; }).filter(Boolean)[0];
    const marker = row.texts.indexOf(T.protected) >= 0 ? '. ' + T.protected : '';
    return T.can + ': Aktiv inloggning, ' + channel + marker;
  };
  // A refusal reason from the store (the classic wording) in the site's words; an unknown one is shown as it is.
  MUI.reasonText = function (reason) { return T.by_text[reason] || reason; };

  const STYLE = [
    ':host { display: block; }',
    'ul { list-style: none; margin: 0; padding: 0; border: 1px solid #e0e0e0; border-radius: 4px; }',
    'li { display: flex; align-items: center; gap: .75rem; padding: .5rem .75rem; border-top: 1px solid #e0e0e0; }',
    'li:first-child { border-top: 0; }',
    '.avatar { width: 32px; height: 32px; border-radius: 50%; background: #e3f2fd; color: #0d47a1; display: grid;',
    '  place-items: center; }',
    '.pnr { flex: 1; font-variant-numeric: tabular-nums; }',
    'svg { width: 24px; height: 24px; fill: currentColor; }',
    '.ok { color: #2e7d32; } .bad { color: #d32f2f; }',
    '.spin { fill: none; stroke: #1976d2; stroke-width: 3; stroke-dasharray: 40 20; animation: r 1s linear infinite; }',
    '@keyframes r { to { transform: rotate(360deg); } } .spin { transform-origin: 50% 50%; }',
    'button { border: 0; background: none; border-radius: 50%; width: 36px; height: 36px; cursor: pointer; color: #555; }',
    'button:hover { background: #f5f5f5; } button:focus-visible { outline: 2px solid #1976d2; }',
    'button:disabled { opacity: .4; }',
    '.empty { color: #666; padding: .75rem; }',
  ].join('\n');

  // <pv-recipient-list>: the recipients in an open shadow root; set `rows` (the API's rows) to render.
  class RecipientList extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      this._rows = [];
      this._max = 250;
    }
    set max(value) { this._max = value; }
    set rows(rows) {
      this._rows = rows;
      this.render();
    }
    get rows() { return this._rows; }
    render() {
      const root = this.shadowRoot;
      root.replaceChildren(h('style', null, STYLE));
      if (!this._rows.length) {
        root.appendChild(h('p', { class: 'empty' }, 'Inga mottagare ännu.'));
        return;
      }
      const list = h('ul', { 'aria-label': 'Mottagare' });
      const self = this;
      this._rows.forEach(function (row) {
        const text = MUI.resultText(row);
        const state = row.status === 'pending' ? MUI.icon('spinner', text, 'spin')
          : MUI.icon(row.status === 'ok' ? 'check' : 'error', text, row.status === 'ok' ? 'ok' : 'bad');
        const remove = h('button', { type: 'button', 'aria-label': 'Ta bort ' + row.display }, MUI.icon('delete'));
        remove.addEventListener('click', function () {
          remove.disabled = true;
          self.dispatchEvent(new CustomEvent('remove', { detail: { row: row, done: function () { remove.disabled = false; } } }));
        });
        list.appendChild(h('li', { 'data-pnr': row.pnr },
          h('span', { class: 'avatar' }, MUI.icon('person')),
          h('span', { class: 'pnr' }, row.display), state, remove));
      });
      root.appendChild(list);
    }
  }
  customElements.define('pv-recipient-list', RecipientList);
})();
