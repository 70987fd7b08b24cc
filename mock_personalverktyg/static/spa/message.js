// Skicka ärende in the single-page skin: step 3 (Meddelande, Bifoga fil, the Skicka dialog) and the receipt.
(function () {
  'use strict';
  const h = PVS.h;
  const stepper = PVS.wizard.stepper;
  const draftPath = PVS.wizard.draftPath;
  const draftHash = PVS.wizard.draftHash;

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
