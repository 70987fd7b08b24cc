// Widgets of the single-page skin: a field with its own plain-text error, a custom listbox, a modal dialog.
(function () {
  'use strict';
  const h = PVS.h;
  let counter = 0;

  // A labelled control: the label is a <span> the control names with aria-labelledby (no <label for>).
  PVS.field = function (id, labelText, control, hint) {
    control.id = id;
    control.setAttribute('aria-labelledby', id + '-label');
    const error = h('p', { id: id + '-error', class: 'field-error', hidden: true });
    const described = [hint ? id + '-hint' : null, id + '-error'].filter(Boolean).join(' ');
    control.setAttribute('aria-describedby', described);
    const element = h('div', { class: 'field' },
      h('span', { id: id + '-label', class: 'label' }, labelText), control,
      hint ? h('p', { id: id + '-hint', class: 'hint' }, hint) : null, error);
    return {
      element: element,
      control: control,
      showError: function (text) {
        error.textContent = text;
        error.hidden = false;
        control.setAttribute('aria-invalid', 'true');
      },
      clearError: function () {
        error.textContent = '';
        error.hidden = true;
        control.removeAttribute('aria-invalid');
      },
    };
  };

  // A combobox button that opens a role=listbox of role=option items (instead of a <select>).
  PVS.listbox = function (opts) {
    const listId = opts.id + '-list';
    let value = opts.value || '';
    const button = h('button', {
      type: 'button', role: 'combobox', class: 'combo', 'aria-haspopup': 'listbox', 'aria-expanded': 'false',
      'aria-controls': listId,
    });
    const list = h('ul', { id: listId, role: 'listbox', class: 'listbox', 'aria-label': opts.listName, hidden: true });
    const options = opts.options.map(function (o) {
      return h('li', {
        role: 'option', id: opts.id + '-opt-' + (++counter), 'data-value': o.value,
        'aria-selected': o.value === value ? 'true' : 'false',
        onclick: function () { pick(o.value); close(); button.focus(); },
      }, o.text);
    });
    options.forEach(function (li) { list.appendChild(li); });
    const field = PVS.field(opts.id, opts.label, button);
    field.element.insertBefore(list, field.element.querySelector('.field-error'));
    field.element.classList.add('combo-field');

    function textOf(v) {
      const found = opts.options.find(function (o) { return o.value === v; });
      return found ? found.text : (opts.placeholder || 'Välj…');
    }
    function pick(v) {
      value = v;
      button.textContent = textOf(v);
      options.forEach(function (li) { li.setAttribute('aria-selected', li.dataset.value === v ? 'true' : 'false'); });
      field.clearError();
      if (opts.onChange) opts.onChange(v);
    }
    function open() {
      list.hidden = false;
      button.setAttribute('aria-expanded', 'true');
      document.addEventListener('mousedown', outside, true);
    }
    function close() {
      list.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      button.removeAttribute('aria-activedescendant');
      document.removeEventListener('mousedown', outside, true);
    }
    function outside(event) {
      if (!field.element.contains(event.target)) close();
    }
    function move(step) {
      const index = options.findIndex(function (li) { return li.id === button.getAttribute('aria-activedescendant'); });
      const next = options[Math.max(0, Math.min(options.length - 1, index + step))];
      if (next) button.setAttribute('aria-activedescendant', next.id);
    }
    button.addEventListener('click', function () { if (list.hidden) open(); else close(); });
    button.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        if (list.hidden) open();
        move(event.key === 'ArrowDown' ? 1 : -1);
      } else if (event.key === 'Enter' && !list.hidden) {
        event.preventDefault();
        const active = document.getElementById(button.getAttribute('aria-activedescendant'));
        if (active) pick(active.dataset.value);
        close();
      } else if (event.key === 'Escape') {
        close();
      }
    });
    button.textContent = textOf(value);
    return {
      element: field.element,
      showError: field.showError,
      clearError: field.clearError,
      get value() { return value; },
    };
  };

  // A modal dialog (role=dialog) with its own buttons; resolves with the chosen button's value.
  PVS.dialog = function (opts) {
    const overlay = document.getElementById('overlay');
    const n = ++counter;
    const before = document.activeElement;
    return new Promise(function (resolve) {
      function done(value) {
        box.remove();
        overlay.hidden = !document.querySelector('.dialog');
        document.removeEventListener('keydown', onKey, true);
        if (before && before.isConnected) before.focus();
        resolve(value);
      }
      function onKey(event) {
        if (event.key === 'Escape' && opts.closable !== false) done(null);
      }
      const buttons = opts.buttons.map(function (b) {
        return h('button', { type: 'button', class: b.primary ? 'primary' : '', onclick: function () { done(b.value); } },
          b.text);
      });
      const box = h('div', {
        class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'dialog-title-' + n,
        'aria-describedby': 'dialog-text-' + n,
      }, h('h2', { id: 'dialog-title-' + n }, opts.title), h('p', { id: 'dialog-text-' + n }, opts.text),
      h('div', { class: 'dialog-actions' }, buttons));
      document.body.appendChild(box);
      overlay.hidden = false;
      document.addEventListener('keydown', onKey, true);
      buttons[0].focus();
    });
  };
})();
