// Skicka ärende in the modern skin: Välj mall (combobox), Mottagare (several numbers at once), Meddelande
// (menu of texts, two-step upload, a checkbox before Skicka, no dialog) and the receipt as cards.
(function () {
  'use strict';
  const h = MUI.h;

  function stepper(current) {
    const names = ['Mall', 'Mottagare', 'Meddelande'];
    return h('ol', { class: 'stepper', 'aria-label': 'Steg' }, names.map(function (name, i) {
      return h('li', { 'aria-current': i + 1 === current ? 'step' : false, class: i + 1 < current ? 'done' : '' },
        h('span', { class: 'step-dot', 'aria-hidden': 'true' }, String(i + 1)), name);
    }));
  }
  function draftApi(unit, draft) { return '/enhet/' + unit + '/utkast/' + draft; }
  function draftPath(unit, draft, step) { return '/ui/enhet/' + unit + '/nytt-arende/' + draft + '/' + step; }
  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }
  function card(title, children) {
    const id = 'kort-' + title.toLowerCase().replace(/[^a-zåäö]+/g, '-');
    return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id: id, class: 'card-title' }, title), children);
  }

  MUI.screens.step1 = async function (ctx, unit) {
    const data = await MUI.api('GET', '/enhet/' + unit + '/mallar');
    const box = MUI.combobox({ id: 'mall', label: 'Välj mall', listName: 'Mallar', placeholder: 'Skriv för att söka',
      helper: 'Skriv en del av mallens namn och välj i listan.',
      options: data.mallar.map(function (m) { return { value: m.id, text: m.name }; }) });
    const next = h('button', { type: 'button', class: 'btn btn-contained' }, 'Gå vidare');
    next.addEventListener('click', async function () {
      if (!box.value) { box.showError('Välj en mall'); return; }
      next.disabled = true;
      try {
        const made = await MUI.api('POST', '/enhet/' + unit + '/utkast', { mall: box.value });
        MUI.go(draftPath(unit, made.id, 'mottagare'));
      } catch (err) {
        MUI.fail(err, box.showError);
        next.disabled = false;
      }
    });
    ctx.mount(null, h('h1', null, 'Nytt ärende'), stepper(1),
      card('Mall', [box.element, data.mallar.length ? null : h('p', null, 'Mottagningen har inga aktiva mallar.'),
        h('div', { class: 'card-actions' }, next)]));
  };

  // Mottagare: a textarea takes several numbers (one a line); every accepted number is a row at once, its check
  // shown by an icon (a spinner named "Kontrollerar", then the result), refused lines stay in the field.
  MUI.screens.step2 = async function (ctx, unit, draftId) {
    const base = draftApi(unit, draftId);
    const draft = await MUI.api('GET', base);
    if (draft.sent) { MUI.go(draftPath(unit, draftId, 'kvitto')); return; }
    const numbers = MUI.textField('pnr', 'Personnummer (ett per rad)', h('textarea', { rows: 5, spellcheck: 'false' }),
      'Klistra in eller skriv ett personnummer per rad, ÅÅÅÅMMDD-NNNN.');
    const add = h('button', { type: 'button', class: 'btn btn-contained' }, MUI.icon('add'), 'Lägg till');
    const refusals = h('div', { class: 'alert-slot' });
    const list = h('pv-recipient-list');
    list.max = draft.max_recipients;
    const count = h('span', { class: 'chip' });
    const listAlert = h('div', { class: 'alert-slot' });
    const next = h('button', { type: 'button', class: 'btn btn-contained' }, 'Nästa');
    let polling = false;
    let revision = 0;  // local adds and removals: a poll answer asked for before one of them is stale

    function show(rows) {
      list.rows = rows;
      count.textContent = rows.length + ' av högst ' + draft.max_recipients;
    }
    async function poll() {
      if (polling) return;
      polling = true;
      while (ctx.alive() && list.rows.some(function (r) { return r.status === 'pending'; })) {
        await wait(draft.poll_ms);
        if (!ctx.alive()) break;
        const asked = revision;
        try {
          const rows = (await MUI.api('GET', base + '/mottagare')).rows;
          if (asked === revision) show(rows);
        } catch (err) {
          if (err.status === 401) break;
          if (err.status === 409) { MUI.go(draftPath(unit, draftId, 'kvitto')); break; }
        }
      }
      polling = false;
    }
    add.addEventListener('click', async function () {
      numbers.clearError();
      refusals.replaceChildren();
      listAlert.replaceChildren();
      const lines = numbers.control.value.split(/\r?\n/).map(function (l) { return l.trim(); }).filter(Boolean);
      if (!lines.length) { numbers.showError('Ange minst ett personnummer'); return; }
      add.disabled = true;
      const refused = [];
      for (const line of lines) {
        try {
          const added = (await MUI.api('POST', base + '/mottagare', { pnr: line })).row;
          revision++;
          const known = list.rows.some(function (r) { return r.pnr === added.pnr; });  // a poll may have shown it
          if (!known) show(list.rows.concat([added]));
        } catch (err) {
          if (err.status === 401) return;
          refused.push([line, err.message]);
        }
      }
      numbers.control.value = refused.map(function (r) { return r[0]; }).join('\n');
      if (refused.length) {
        refusals.replaceChildren(MUI.alert(h('span', null, refused.length === 1 ? 'Ett nummer lades inte till:'
          : refused.length + ' nummer lades inte till:', h('ul', null, refused.map(function (r) {
          return h('li', null, r[0] + ': ' + r[1]);
        })))));
      }
      add.disabled = false;
      poll();
    });
    list.addEventListener('remove', async function (event) {
      const row = event.detail.row;
      try {
        await MUI.api('DELETE', base + '/mottagare/' + row.pnr);
      } catch (err) {
        if (err.status !== 404) {
          event.detail.done();
          MUI.fail(err, function (text) { listAlert.replaceChildren(MUI.alert(text)); });
          return;
        }
      }
      revision++;
      show(list.rows.filter(function (r) { return r.pnr !== row.pnr; }));
      MUI.snackbar('Mottagaren togs bort');
    });
    next.addEventListener('click', async function () {
      listAlert.replaceChildren();
      next.disabled = true;
      try {
        await MUI.api('POST', base + '/nasta');
        MUI.go(draftPath(unit, draftId, 'meddelande'));
      } catch (err) {
        MUI.fail(err, function (text) { listAlert.replaceChildren(MUI.alert(text)); });
        next.disabled = false;
      }
    });

    show(draft.recipients);
    ctx.mount(numbers.control, h('h1', null, 'Nytt ärende'), stepper(2),
      h('p', { class: 'subtitle' }, 'Mall: ' + draft.template),
      card('Lägg till mottagare', [numbers.element, h('div', { class: 'card-actions start' }, add), refusals]),
      card('Mottagare', [h('div', { class: 'card-meta' }, count), list, listAlert]),
      h('div', { class: 'page-actions' }, next));
    poll();
  };

  function attachmentChip(att, onRemove) {
    const remove = MUI.iconButton('delete', 'Ta bort ' + att.name);
    remove.addEventListener('click', function () { onRemove(att, chip, remove); });
    const chip = h('li', { class: 'chip chip-file' }, h('span', null, att.name + ' (' + (att.size / 1024).toFixed(1) + ' kB)'),
      remove);
    return chip;
  }

  // Meddelande: Infoga text is one menu button; a file is chosen, then sent with Ladda upp; Skicka is enabled by a
  // checkbox and sends at once (no dialog).
  MUI.screens.step3 = async function (ctx, unit, draftId) {
    const base = draftApi(unit, draftId);
    const draft = await MUI.api('GET', base);
    if (draft.sent) { MUI.go(draftPath(unit, draftId, 'kvitto')); return; }
    const subject = MUI.textField('rubrik', 'Rubrik', h('input', { type: 'text', value: draft.subject }));
    const message = MUI.textField('meddelande', 'Meddelande', h('textarea', { rows: 10 }));
    message.control.value = draft.text;
    const insert = MUI.menuButton({ id: 'infoga', label: 'Infoga text', items: draft.texts.map(function (t) {
      return { text: t.name, onselect: function () {
        const current = message.control.value.replace(/\s+$/, '');
        message.control.value = current ? current + '\n\n' + t.text : t.text;
        message.control.focus();
        saveText();
      } };
    }) });
    if (!draft.texts.length) insert.querySelector('button').disabled = true;
    const file = MUI.textField('bilaga', 'Bifoga fil', h('input', { type: 'file', multiple: true,
      accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png' }), 'Endast pdf, jpg och png.');
    const upload = h('button', { type: 'button', class: 'btn btn-outlined' }, MUI.icon('upload'), 'Ladda upp');
    const uploadAlert = h('div', { class: 'alert-slot' });
    const chips = h('ul', { class: 'chips', 'aria-label': 'Bifogade filer', 'aria-busy': 'false' });
    const reviewed = h('input', { type: 'checkbox', id: 'kontrollerat' });
    const sendAlert = h('div', { class: 'alert-slot' });
    const back = h('button', { type: 'button', class: 'btn btn-text' }, 'Tillbaka');
    const send = h('button', { type: 'button', class: 'btn btn-contained', disabled: true }, 'Skicka');

    async function removeAttachment(att, chip, button) {
      button.disabled = true;
      try {
        await MUI.api('DELETE', base + '/bilagor/' + att.id);
      } catch (err) {
        if (err.status !== 404) {
          MUI.fail(err, function (text) { uploadAlert.replaceChildren(MUI.alert(text)); });
          button.disabled = false;
          return;
        }
      }
      chip.remove();
      MUI.snackbar(att.name + ' togs bort');
    }
    function addChip(att) { chips.appendChild(attachmentChip(att, removeAttachment)); }
    draft.attachments.forEach(addChip);

    upload.addEventListener('click', async function () {
      uploadAlert.replaceChildren();
      file.clearError();
      const files = Array.from(file.control.files);
      if (!files.length) { file.showError('Välj en fil först'); return; }
      upload.disabled = true;
      chips.setAttribute('aria-busy', 'true');
      const problems = [];
      for (const f of files) {
        const body = new FormData();
        body.append('fil', f, f.name);
        try {
          addChip((await MUI.api('POST', base + '/bilagor', body)).attachment);
        } catch (err) {
          if (err.status === 401) return;
          problems.push(f.name + ': ' + err.message);
        }
      }
      file.control.value = '';
      if (problems.length) uploadAlert.replaceChildren(MUI.alert(problems.join(' ')));
      chips.setAttribute('aria-busy', 'false');
      upload.disabled = false;
    });

    function typed() { return { rubrik: subject.control.value, meddelande: message.control.value }; }
    function saveText() { return MUI.api('PUT', base + '/text', typed()).catch(function () { /* saved again at Skicka */ }); }
    subject.control.addEventListener('change', saveText);
    message.control.addEventListener('change', saveText);
    reviewed.addEventListener('change', function () { send.disabled = !reviewed.checked; });

    back.addEventListener('click', async function () {
      await saveText();
      MUI.go(draftPath(unit, draftId, 'mottagare'));
    });
    send.addEventListener('click', async function () {
      subject.clearError();
      message.clearError();
      sendAlert.replaceChildren();
      send.disabled = back.disabled = true;
      MUI.busy(true);
      try {
        const receipt = await MUI.api('POST', base + '/skicka', Object.assign(typed(), { form_token: draft.form_token }));
        MUI.snackbar(receipt.sent.length + ' ärenden har skickats');
        MUI.go(draftPath(unit, draftId, 'kvitto'));
      } catch (err) {
        const field = err.data.field === 'rubrik' ? subject : err.data.field === 'meddelande' ? message : null;
        MUI.fail(err, field ? field.showError : function (text) { sendAlert.replaceChildren(MUI.alert(text)); });
        send.disabled = !reviewed.checked;
        back.disabled = false;
        MUI.busy(false);
      }
    });

    const n = draft.recipients.length;
    ctx.mount(null, h('h1', null, 'Nytt ärende'), stepper(3),
      draft.instruction ? h('div', { class: 'alert alert-info' }, h('strong', null, 'Instruktion från mottagningen: '),
        draft.instruction) : null,
      card('Innehåll', [subject.element, h('div', { class: 'toolbar' }, insert), message.element]),
      card('Bilagor', [h('div', { class: 'upload-row' }, file.element, upload), uploadAlert, chips]),
      card('Signatur', [h('p', { class: 'signature' }, draft.signature || 'Ingen signatur angiven.'),
        h('a', { href: '/ui/installningar' }, 'Ändra signatur')]),
      card('Granska och skicka', [h('p', null, 'Ärendet skickas till ' + n + (n === 1 ? ' mottagare.' : ' mottagare.')),
        h('div', { class: 'checkbox' }, reviewed, h('label', { for: 'kontrollerat' }, 'Jag har kontrollerat mottagarna')),
        sendAlert, h('div', { class: 'card-actions' }, back, send)]));
  };

  function receiptCard(title, lines, chip, chipClass) {
    return h('article', { class: 'card card-small' }, h('h3', null, title), lines,
      h('span', { class: 'chip ' + chipClass }, chip));
  }

  // The receipt: one card per citizen, sent (with the ärende-id) and not sent (with the reason).
  MUI.screens.receipt = async function (ctx, unit, draftId) {
    const data = await MUI.api('GET', draftApi(unit, draftId) + '/kvitto');
    const sent = data.sent.map(function (s) {
      return receiptCard(s.display, h('p', null, 'Ärende-id ', h('strong', null, s.arende_id)), 'Skickat', 'chip-success');
    });
    const refused = data.refused.map(function (r) {
      return receiptCard(r.display, h('p', null, MUI.reasonText(r.reason)), 'Ej skickat', 'chip-error');
    });
    ctx.mount(null, h('h1', null, sent.length ? 'Ärendet har skickats' : 'Inget ärende har skickats'),
      h('p', { class: 'subtitle' }, 'Rubrik: ' + data.subject),
      sent.length ? h('section', { class: 'card-grid', 'aria-label': 'Skickade ärenden' },
        h('h2', null, 'Skickade ärenden (' + sent.length + ')'), sent) : null,
      refused.length ? h('section', { class: 'card-grid', 'aria-label': 'Ej skickat' },
        h('h2', null, 'Ej skickat (' + refused.length + ')'), refused) : null,
      h('div', { class: 'page-actions start' },
        h('a', { class: 'btn btn-outlined', href: '/ui/enhet/' + unit + '/mina-arenden' }, 'Till Mina ärenden'),
        h('a', { class: 'btn btn-contained', href: '/ui/enhet/' + unit + '/nytt-arende' }, 'Skicka ärende')));
  };
})();
