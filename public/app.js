// Progressive enhancement for Verilab pages: copy buttons, reflections saved in place, Check results in place.
// Every page works without it: the forms post and the server answers with a full page.
(function () {
  'use strict';

  /** Posts a form as the browser would, asking for JSON; resolves to { ok, body } or rejects on a network failure. */
  function postForJson(form) {
    return fetch(form.action, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(new FormData(form)).toString(),
      credentials: 'same-origin',
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    });
  }

  function errorText(body, fallback) {
    var error = (body && body.error) || {};
    return (error.message || fallback) + (error.hint ? ' ' + error.hint : '');
  }

  document.querySelectorAll('.code-block').forEach(function (block) {
    var button = block.querySelector('.copy-button');
    var code = block.querySelector('code');
    if (!button || !code || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(code.textContent || '').then(function () {
        button.textContent = 'Copied';
        setTimeout(function () { button.textContent = 'Copy'; }, 1500);
      }, function () {
        button.textContent = 'Press Ctrl+C';
      });
    });
  });

  document.querySelectorAll('form[data-enhance="reflection"]').forEach(function (form) {
    var status = form.querySelector('.save-status');
    var textarea = form.querySelector('textarea');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!status) return;
      status.textContent = 'Saving…';
      status.classList.remove('field-error');
      postForJson(form).then(function (result) {
        if (result.ok) {
          status.textContent = 'Saved.';
          if (textarea) textarea.removeAttribute('aria-invalid');
        } else {
          status.textContent = errorText(result.body, 'Could not save. Try again.');
          status.classList.add('field-error');
        }
      }).catch(function () {
        status.textContent = 'Could not reach Verilab. Check your connection and try again.';
        status.classList.add('field-error');
      });
    });
  });

  document.querySelectorAll('form[data-enhance="check"]').forEach(function (form) {
    var button = form.querySelector('button[type="submit"]');
    var spinner = form.querySelector('.spinner');
    var status = form.querySelector('.check-status');
    var panel = form.parentNode && form.parentNode.querySelector('.check-result');
    var stepId = form.getAttribute('data-step');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (button) button.disabled = true;
      if (spinner) spinner.hidden = false;
      if (status) status.textContent = 'Looking at your account…';
      postForJson(form).then(function (result) {
        if (status) status.textContent = result.ok ? '' : errorText(result.body, 'The check did not run.');
        if (!result.ok) return;
        if (panel) panel.innerHTML = result.body.html;
        // "Your network" redrawn from the check just made (Verilab's own markup, like the result above).
        var network = document.querySelector('.your-network-body');
        if (network && result.body.networkHtml) network.innerHTML = result.body.networkHtml;
        var link = document.querySelector('.step-list a[href$="/steps/' + stepId + '"]');
        var item = link && link.parentNode;
        if (item) {
          item.className = item.className.replace(/status-[a-z-]+/, 'status-' + result.body.status);
          var mark = item.querySelector('.status-mark');
          if (mark) mark.title = result.body.status;
          var spoken = item.querySelector('.step-status');
          if (spoken) spoken.textContent = ', ' + result.body.status;
        }
      }).catch(function () {
        if (status) status.textContent = 'Could not reach Verilab. Check your connection and try again.';
      }).then(function () {
        if (button) button.disabled = false;
        if (spinner) spinner.hidden = true;
      });
    });
  });

  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });

  // On a phone the step list starts folded under its summary, so the step itself comes first; the learner opens it.
  if (window.matchMedia && window.matchMedia('(max-width: 820px)').matches) {
    document.querySelectorAll('details[data-fold-narrow]').forEach(function (fold) { fold.open = false; });
  }
})();
