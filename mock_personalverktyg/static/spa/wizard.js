// Skicka ärende in the single-page skin: the stepper, step 1 (Välj mall) and step 2 (Mottagare).
(function () {
  'use strict';
  const h = PVS.h;

  function stepper(current) {
    const names = ['Välj mall', 'Mottagare', 'Meddelande'];
    return h('ol', { class: 'stepper', 'aria-label': 'Steg' }, names.map(function (name, i) {
      return h('li', { 'aria-current': i + 1 === current ? 'step' : false, class: i + 1 < current ? 'done' : '' },
        (i + 1) + '. ' + name);
    }));
  }
  function draftPath(unit, draft) { return '/enhet/' + unit + '/utkast/' + draft; }
  function draftHash(unit, draft, step) { return '#' + draftPath(unit, draft) + '/' + step; }
  PVS.wizard = { stepper: stepper, draftPath: draftPath, draftHash: draftHash };

  PVS.views.step1 = async function (ctx, unit) {
    const data = await PVS.api('GET', '/enhet/' + unit + '/mallar');
    const box = PVS.listbox({
      id: 'mall', label: 'Välj mall', listName: 'Mallar', placeholder: 'Välj…',
      options: data.mallar.map(function (m) { return { value: m.id, text: m.name }; }),
    });
    const next = h('button', { type: 'button', class: 'primary' }, 'Gå vidare');
    next.addEventListener('click', async function () {
      if (!box.value) { box.showError('Välj en mall'); return; }
      next.disabled = true;
      try {
        const made = await PVS.api('POST', '/enhet/' + unit + '/utkast', { mall: box.value });
        PVS.go(draftHash(unit, made.id, 'mottagare'));
      } catch (err) {
        PVS.fail(err, box.showError);
        next.disabled = false;
      }
    });
    ctx.mount(null, h('h1', null, 'Skicka ärende'), stepper(1),
      h('section', { class: 'panel' }, box.element,
        data.mallar.length ? null : h('p', { class: 'muted' }, 'Mottagningen har inga aktiva mallar.'),
        h('div', { class: 'actions' }, next)));
  };

  function checkCell(row) {
    if (row.status === 'ok') {
      return h('td', { class: 'result' }, row.texts.map(function (t, i) {
        return [i ? ' ' : null, h('span', { class: 'chip' + (t === 'Skyddad identitet' ? ' protected' : '') }, t)];
      }));
    }
    return h('td', { class: 'result' }, h('span', { class: 'check-error' }, row.texts.join(' · ')));
  }

  // Step 2: a row appears only when its check is done; the tool empties the field then, and Lägg till is
  // disabled while a check runs.
  PVS.views.step2 = async function (ctx, unit, draftId) {
    const base = draftPath(unit, draftId);
    const draft = await PVS.api('GET', base);
    if (draft.sent) { PVS.go(draftHash(unit, draftId, 'kvitto')); return; }
    const max = draft.max_recipients;
    const shown = new Map();
    let checking = false;
    let problem = draft.problem;

    const pnr = PVS.field('pnr', 'Personnummer',
      h('input', { inputmode: 'numeric', autocomplete: 'off', placeholder: 'ÅÅÅÅMMDD-NNNN' }),
      'Skriv personnumret och välj Lägg till. Kontrollen av mottagaren tar en stund.');
    const add = h('button', { type: 'submit' }, 'Lägg till');
    const status = h('p', { class: 'checking', hidden: true });
    const title = h('h2', { id: 'mottagare-rubrik' });
    const body = h('tbody');
    const table = h('table', { class: 'recipients', 'aria-labelledby': 'mottagare-rubrik', 'aria-busy': 'false' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Personnummer'),
        h('th', { scope: 'col' }, 'Kontroll'), h('th', { scope: 'col' }, PVS.hidden('Åtgärd')))), body);
    const empty = h('p', { class: 'muted' }, 'Inga mottagare ännu.');
    const listError = h('p', { id: 'mottagare-fel', class: 'field-error', hidden: true });
    const next = h('button', { type: 'button', class: 'primary', disabled: true }, 'Nästa');

    function refreshSummary() {
      title.textContent = 'Mottagare (' + shown.size + ' av högst ' + max + ')';
      empty.hidden = shown.size > 0;
      const blocking = checking || problem || shown.size === 0;
      next.disabled = Boolean(blocking);
      const visible = problem && !checking && shown.size > 0 ? problem : '';
      listError.textContent = visible;
      listError.hidden = !visible;
    }
    function place(row) {
      const remove = h('button', { type: 'button', class: 'link-button' }, 'Ta bort ', PVS.hidden(row.display));
      const tr = h('tr', { class: 'is-' + row.status }, h('td', { class: 'pnr' }, row.display), checkCell(row),
        h('td', null, remove));
      remove.addEventListener('click', function () { removeRow(row, tr, remove); });
      shown.set(row.pnr, tr);
      body.appendChild(tr);
    }
    async function removeRow(row, tr, button) {
      button.disabled = true;
      try {
        await PVS.api('DELETE', base + '/mottagare/' + row.pnr);
      } catch (err) {
        if (err.status !== 404) { PVS.fail(err, pnr.showError); button.disabled = false; return; }
      }
      tr.remove();
      shown.delete(row.pnr);
      refreshSummary();
      PVS.toast('Mottagaren togs bort');
      pnr.control.focus();
      // Nästa depends on the server's verdict on the remaining rows: ask until it answers.
      while (ctx.alive()) {
        try {
          await reload();
          return;
        } catch (err) {
          if (err.status === 401) return;
          await new Promise(function (resolve) { setTimeout(resolve, draft.poll_ms); });
        }
      }
    }
    function setChecking(on, text) {
      checking = on;
      add.disabled = on;
      table.setAttribute('aria-busy', on ? 'true' : 'false');
      status.hidden = !on;
      status.replaceChildren();
      if (on) status.append(h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
      refreshSummary();
    }
    // Put every finished row on the page; true when no check is running any more.
    function apply(data) {
      data.rows.forEach(function (row) { if (row.status !== 'pending' && !shown.has(row.pnr)) place(row); });
      problem = data.problem;
      return data.pending === 0;
    }
    async function reload() {
      apply(await PVS.api('GET', base + '/mottagare'));
      refreshSummary();
    }
    async function poll() {
      while (ctx.alive()) {
        await new Promise(function (resolve) { setTimeout(resolve, draft.poll_ms); });
        if (!ctx.alive()) return;
        let data;
        try {
          data = await PVS.api('GET', base + '/mottagare');
        } catch (err) {
          if (err.status === 401) return;
          if (err.status === 409) { PVS.go(draftHash(unit, draftId, 'kvitto')); return; }
          continue;  // a failed poll is retried
        }
        if (apply(data)) {
          pnr.control.value = '';
          setChecking(false);
          pnr.control.focus();
          return;
        }
      }
    }

    const form = h('form', { class: 'add-row', novalidate: true, autocomplete: 'off' }, pnr.element, add, status);
    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      if (checking) return;
      const value = pnr.control.value.trim();
      pnr.clearError();
      if (!value) { pnr.showError('Ange ett personnummer'); return; }
      setChecking(true, 'Kontrollerar ' + value + ' …');
      try {
        await PVS.api('POST', base + '/mottagare', { pnr: value });
      } catch (err) {
        setChecking(false);
        PVS.fail(err, pnr.showError);
        return;
      }
      poll();  // also when the check was immediate: the poll puts the row in and empties the field
    });
    next.addEventListener('click', async function () {
      next.disabled = true;
      try {
        await PVS.api('POST', base + '/nasta');
        PVS.go(draftHash(unit, draftId, 'meddelande'));
      } catch (err) {
        PVS.fail(err, function (text) { listError.textContent = text; listError.hidden = false; });
        refreshSummary();
      }
    });

    const finished = apply({ rows: draft.recipients, pending: draft.recipients.filter(function (r) {
      return r.status === 'pending';
    }).length, problem: draft.problem });
    ctx.mount(pnr.control, h('h1', null, 'Skicka ärende'), stepper(2),
      h('p', { class: 'muted' }, 'Mall: ' + draft.template),
      h('section', { class: 'panel' }, form),
      h('section', { class: 'panel', 'aria-labelledby': 'mottagare-rubrik' }, title, table, empty, listError),
      h('div', { class: 'actions' }, next));
    if (finished) refreshSummary(); else { setChecking(true, 'Kontrollerar mottagare …'); poll(); }
  };
})();
