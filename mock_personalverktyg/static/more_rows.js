// Alla ärenden without pages: "Visa fler" appends the next page's rows (CASES_PAGING = "load_more"), or the last
// row scrolling into view does (CASES_PAGING = "scroll"). The table is aria-busy while rows load; when the last
// page is in, the button goes away and nothing more loads.
(function () {
  const table = document.querySelector('table[data-more-url]');
  if (!table) return;
  const body = table.tBodies[0];
  const button = document.getElementById('visa-fler');
  const shownTo = document.getElementById('visar-till');
  const alertBox = document.getElementById('alert');
  let loading = false;
  let observer = null;

  function failed(text) {
    alertBox.textContent = text;
    alertBox.hidden = false;
  }

  async function loadMore() {
    const url = table.dataset.moreUrl;
    if (loading || !url) return;
    loading = true;
    let loaded = false;
    table.setAttribute('aria-busy', 'true');
    alertBox.hidden = true;
    try {
      const resp = await fetch(url, { headers: { 'Accept': 'text/html' } });
      if (resp.redirected && new URL(resp.url).pathname.startsWith('/login')) {
        window.location.href = resp.url;  // the session expired: the login page says so
        return;
      }
      if (!resp.ok) {
        failed('Det gick inte att hämta fler ärenden. Försök igen.');
        return;
      }
      const tpl = document.createElement('template');
      tpl.innerHTML = (await resp.text()).trim();
      const more = tpl.content.querySelector('tbody');
      // Rows, counter and button change in one task, so nobody sees new rows beside a stale button.
      for (const row of [...more.rows]) body.appendChild(row);
      if (shownTo) shownTo.textContent = more.dataset.last;
      if (more.dataset.moreUrl) {
        table.dataset.moreUrl = more.dataset.moreUrl;
      } else {
        delete table.dataset.moreUrl;
        if (button) button.remove();
      }
      loaded = true;
    } catch (e) {
      failed('Det gick inte att hämta fler ärenden. Försök igen.');
    } finally {
      loading = false;
      table.setAttribute('aria-busy', 'false');
      // After a failure nothing loads by itself (no retry storm against a failing server); the alert says so.
      if (loaded) watchLastRow(); else if (observer) observer.disconnect();
    }
  }

  function watchLastRow() {
    if (!observer) return;
    observer.disconnect();
    const last = body.rows[body.rows.length - 1];
    if (last && table.dataset.moreUrl) observer.observe(last);
  }

  if (table.dataset.paging === 'scroll') {
    observer = new IntersectionObserver(entries => {
      if (entries.some(e => e.isIntersecting)) loadMore();
    });
    watchLastRow();
  } else if (button) {
    button.addEventListener('click', loadMore);
  }
})();
