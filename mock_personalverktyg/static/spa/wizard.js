// Skicka ärende in the single-page skin: step 1 (Välj mall), 2 (Mottagare), 3 (Meddelande), the receipt.
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

  function attachmentItem(att, onRemove) {
    const remove = h('button', { type: 'button', class: 'link-button' }, 'Ta bort ', PVS.hidden(att.name));
    const li = h('li', null, h('span', { class: 'file-name' }, att.name),
      h('span', { class: 'muted' }, ' (' + (att.size / 1024).toFixed(1) + ' kB) '), remove);
    remove.addEventListener('click', function () { onRemove(att, li, remove); });
    return li;
  }

  PVS.views.step3 = async function (ctx, unit, draftId) {
    const base = draftPath(unit, draftId);
    const draft = await PVS.api('GET', base);
    if (draft.sent) { PVS.go(draftHash(unit, draftId, 'kvitto')); return; }
    const subject = PVS.field('rubrik', 'Rubrik', h('input', { value: draft.subject }));
    const message = PVS.field('meddelande', 'Meddelande', h('textarea', { rows: 10 }));
    message.control.value = draft.text;
    const texts = h('div', { class: 'texts', role: 'toolbar', 'aria-label': 'Texter i mallen' },
      draft.texts.map(function (t) {
        return h('div', { class: 'text-item' },
          h('button', {
            type: 'button', class: 'bubble', onclick: function () {
              const current = message.control.value.replace(/\s+$/, '');
              message.control.value = current ? current + '\n\n' + t.text : t.text;
              message.control.focus();
              saveText();
            },
          }, PVS.hidden('Infoga text: '), h('span', { 'aria-hidden': 'true' }, '+ '), t.name),
          h('p', { class: 'preview' }, t.text));
      }));
    const fileInput = h('input', { type: 'file', multiple: true, hidden: true,
      accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png' });
    const attach = h('button', { type: 'button', 'aria-describedby': 'bilaga-fel' }, 'Bifoga fil');
    const attachError = h('p', { id: 'bilaga-fel', class: 'field-error', hidden: true });
    const list = h('ul', { class: 'attachments', 'aria-busy': 'false' });
    const sendError = h('p', { id: 'skicka-fel', class: 'field-error', hidden: true });
    const back = h('button', { type: 'button' }, 'Tillbaka');
    const send = h('button', { type: 'button', class: 'primary' }, 'Skicka');
    let count = 0;

    function listName() { list.setAttribute('aria-label', 'Bifogade filer (' + count + ')'); }
    function showAttachError(text) { attachError.textContent = text; attachError.hidden = false; }
    function showSendError(text) { sendError.textContent = text; sendError.hidden = false; }
    async function removeAttachment(att, li, button) {
      button.disabled = true;
      try {
        await PVS.api('DELETE', base + '/bilagor/' + att.id);
      } catch (err) {
        if (err.status !== 404) { PVS.fail(err, showAttachError); button.disabled = false; return; }
      }
      li.remove();
      count--;
      listName();
      attach.focus();
    }
    function addItem(att) { list.appendChild(attachmentItem(att, removeAttachment)); count++; listName(); }
    draft.attachments.forEach(addItem);
    listName();

    attach.addEventListener('click', function () { fileInput.click(); });
    fileInput.addEventListener('change', async function () {
      attachError.hidden = true;
      const files = Array.from(fileInput.files);
      fileInput.value = '';
      list.setAttribute('aria-busy', 'true');
      attach.disabled = true;
      for (const file of files) {
        const body = new FormData();
        body.append('fil', file, file.name);
        try {
          addItem((await PVS.api('POST', base + '/bilagor', body)).attachment);
        } catch (err) {
          PVS.fail(err, function (text) { showAttachError(file.name + ': ' + text); });
        }
      }
      attach.disabled = false;
      list.setAttribute('aria-busy', 'false');
    });

    function typed() { return { rubrik: subject.control.value, meddelande: message.control.value }; }
    function saveText() { return PVS.api('PUT', base + '/text', typed()).catch(function () { /* saved again at Skicka */ }); }
    subject.control.addEventListener('change', saveText);
    message.control.addEventListener('change', saveText);

    back.addEventListener('click', async function () {
      await saveText();
      PVS.go(draftHash(unit, draftId, 'mottagare'));
    });
    send.addEventListener('click', async function () {
      subject.clearError();
      message.clearError();
      sendError.hidden = true;
      const n = draft.recipients.length;
      const choice = await PVS.dialog({
        title: 'Vill du skicka ärendet?',
        text: 'Ärendet skickas till ' + n + ' mottagare. Ett skickat ärende kan inte ångras.',
        buttons: [{ text: 'Avbryt', value: null }, { text: 'Skicka', value: 'send', primary: true }],
      });
      if (choice !== 'send' || !ctx.alive()) return;
      send.disabled = back.disabled = true;
      PVS.busy(true);
      try {
        const receipt = await PVS.api('POST', base + '/skicka', Object.assign(typed(), { form_token: draft.form_token }));
        PVS.toast(receipt.sent.length + ' ärenden har skickats');
        PVS.go(draftHash(unit, draftId, 'kvitto'));
      } catch (err) {
        const field = err.data.field === 'rubrik' ? subject : err.data.field === 'meddelande' ? message : null;
        PVS.fail(err, field ? field.showError : showSendError);
        send.disabled = back.disabled = false;
        PVS.busy(false);
      }
    });

    ctx.mount(null, h('h1', null, 'Skicka ärende'), stepper(3),
      h('p', { class: 'muted' }, draft.recipients.length + ' mottagare'),
      draft.instruction ? h('p', { class: 'notice' }, h('strong', null, 'Instruktion från mottagningen: '), draft.instruction) : null,
      h('section', { class: 'panel' }, subject.element, draft.texts.length ? h('p', { class: 'hint' },
        'Välj en text för att infoga den i meddelandet.') : null, texts, message.element),
      h('section', { class: 'panel', 'aria-labelledby': 'bilagor-rubrik' }, h('h2', { id: 'bilagor-rubrik' }, 'Bilagor'),
        attach, fileInput, h('p', { class: 'hint' }, 'Endast pdf, jpg och png.'), attachError, list),
      h('section', { class: 'panel', 'aria-labelledby': 'signatur-rubrik' }, h('h2', { id: 'signatur-rubrik' }, 'Signatur'),
        h('p', { class: 'signature' }, draft.signature || 'Ingen signatur angiven.'),
        h('a', { href: '#/installningar' }, 'Ändra signatur')),
      sendError, h('div', { class: 'actions' }, back, send));
  };

  // The receipt: the ärende-ids as list items "ärende-id – personnummer", not a table.
  PVS.views.receipt = async function (ctx, unit, draftId) {
    let data;
    try {
      data = await PVS.api('GET', draftPath(unit, draftId) + '/kvitto');
    } catch (err) {
      if (err.status === 409) { PVS.go(draftHash(unit, draftId, 'meddelande')); return; }
      throw err;
    }
    const sent = data.sent.length;
    const parts = [h('h1', null, sent ? 'Ärendet har skickats' : 'Inget ärende har skickats')];
    if (sent) {
      parts.push(h('p', null, sent + ' ärende' + (sent === 1 ? '' : 'n') + ' skickades med rubriken ”' + data.subject + '”.'),
        h('ul', { class: 'receipt', 'aria-label': 'Skickade ärenden (' + sent + ')' }, data.sent.map(function (s) {
          return h('li', null, s.arende_id + ' – ' + s.display);
        })));
    }
    if (data.refused.length) {
      parts.push(h('h2', null, 'Ej skickat'),
        h('ul', { class: 'receipt refused', 'aria-label': 'Ej skickat (' + data.refused.length + ')' },
          data.refused.map(function (r) { return h('li', null, r.display + ' – ' + r.reason); })));
    }
    parts.push(h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: function () { PVS.go('#/enhet/' + unit + '/mina-arenden'); } }, 'Till Mina ärenden'),
      h('button', { type: 'button', class: 'primary', onclick: function () { PVS.go('#/enhet/' + unit + '/skicka-arende'); } },
        'Skicka ärende')));
    ctx.mount.apply(null, [null].concat(parts));
  };
})();
