// Shared helpers for the pages that talk to the JSON API with fetch.
window.PV = (function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  function headers(json) {
    const h = { 'X-CSRFToken': csrf, 'Accept': 'application/json' };
    if (json) h['Content-Type'] = 'application/json';
    return h;
  }
  // An expired session answers 401: go to the login page, which says so.
  function expired(resp) {
    if (resp.status === 401) {
      window.location.href = '/login?next=' + encodeURIComponent(window.location.pathname);
      return true;
    }
    return false;
  }
  async function errorText(resp) {
    try {
      const data = await resp.json();
      if (data && data.error) return data.error;
    } catch (e) { /* not JSON */ }
    return 'Tekniskt fel. Försök igen.';
  }
  function fromHtml(html) {
    const tpl = document.createElement('template');
    tpl.innerHTML = html.trim();
    return tpl.content.firstElementChild;
  }
  function showAlert(text) {
    const box = document.getElementById('alert');
    box.textContent = text;
    box.hidden = false;
  }
  function clearAlert() {
    const box = document.getElementById('alert');
    box.textContent = '';
    box.hidden = true;
  }
  return { headers, expired, errorText, fromHtml, showAlert, clearAlert };
})();
