// Step 3: the speech bubbles append template texts; Bifoga fil uploads at once without leaving the page.
(function () {
  const form = document.getElementById('message-form');
  const message = document.getElementById('meddelande');
  const fileInput = document.getElementById('bifoga');
  const list = document.getElementById('attachments');
  const api = form.dataset.api;

  document.querySelectorAll('button[data-insert]').forEach(function (button) {
    button.disabled = false;
    button.addEventListener('click', function () {
      const text = button.dataset.insert;
      const current = message.value.replace(/\s+$/, '');
      message.value = current ? current + '\n\n' + text : text;
      message.focus();
    });
  });

  async function upload(file) {
    const body = new FormData();
    body.append('fil', file, file.name);
    try {
      const resp = await fetch(api, { method: 'POST', headers: PV.headers(false), body: body });
      if (PV.expired(resp)) return;
      if (resp.status === 201) {
        list.appendChild(PV.fromHtml((await resp.json()).attachment.html));
      } else {
        PV.showAlert(file.name + ': ' + (await PV.errorText(resp)));
      }
    } catch (e) {
      PV.showAlert(file.name + ': Tekniskt fel. Försök igen.');
    }
  }

  fileInput.addEventListener('change', async function () {
    PV.clearAlert();
    const files = Array.from(fileInput.files);
    fileInput.value = '';
    for (const file of files) await upload(file);
  });

  list.addEventListener('click', async function (event) {
    const button = event.target.closest('button.remove');
    if (!button) return;
    button.disabled = true;
    try {
      const resp = await fetch(api + '/' + button.dataset.id, { method: 'DELETE', headers: PV.headers(false) });
      if (PV.expired(resp)) return;
      if (resp.ok || resp.status === 404) { button.closest('li').remove(); return; }
      PV.showAlert(await PV.errorText(resp));
    } catch (e) {
      PV.showAlert('Tekniskt fel. Försök igen.');
    }
    button.disabled = false;
  });
  fileInput.disabled = false;
})();
