// Step 2: Lägg till posts the number, the row shows "Kontrollerar…" until the check is done, then updates in place.
(function () {
  const form = document.getElementById('add-form');
  const input = document.getElementById('pnr');
  const list = document.getElementById('recipients');
  const count = document.getElementById('count');
  const api = form.dataset.api;
  const pollMs = Number(form.dataset.pollMs) || 100;
  let timer = null;

  function rowFor(pnr) { return list.querySelector('li[data-pnr="' + pnr + '"]'); }
  function updateCount() { count.textContent = String(list.children.length); }
  function place(row) {
    const li = PV.fromHtml(row.html);
    const existing = rowFor(row.pnr);
    if (existing) existing.replaceWith(li); else list.appendChild(li);
    updateCount();
  }
  function schedule() {
    if (timer === null && list.querySelector('li[data-status="pending"]')) timer = setTimeout(poll, pollMs);
  }
  async function poll() {
    timer = null;
    try {
      const resp = await fetch(api, { headers: PV.headers(false) });
      if (PV.expired(resp)) return;
      if (resp.ok) {
        const data = await resp.json();
        for (const row of data.rows) {
          const li = rowFor(row.pnr);
          if (li && li.dataset.status === 'pending' && row.status !== 'pending') place(row);
        }
      }
    } catch (e) { /* a failed poll is retried */ }
    schedule();
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    const value = input.value;
    input.value = '';  // cleared at once so the next number can be typed while this one is checked
    input.focus();
    PV.clearAlert();
    try {
      const resp = await fetch(api, { method: 'POST', headers: PV.headers(true), body: JSON.stringify({ pnr: value }) });
      if (PV.expired(resp)) return;
      if (resp.status === 201) {
        place((await resp.json()).row);
        schedule();
      } else {
        PV.showAlert(await PV.errorText(resp));
      }
    } catch (e) {
      PV.showAlert('Tekniskt fel. Försök igen.');
    }
  });

  list.addEventListener('click', async function (event) {
    const button = event.target.closest('button.remove');
    if (!button) return;
    button.disabled = true;
    try {
      const resp = await fetch(api + '/' + button.dataset.pnr, { method: 'DELETE', headers: PV.headers(false) });
      if (PV.expired(resp)) return;
      if (resp.ok || resp.status === 404) {
        button.closest('li').remove();
        updateCount();
        return;
      }
      PV.showAlert(await PV.errorText(resp));
    } catch (e) {
      PV.showAlert('Tekniskt fel. Försök igen.');
    }
    button.disabled = false;
  });

  schedule();
  form.querySelector('button[type="submit"]').disabled = false;
})();
