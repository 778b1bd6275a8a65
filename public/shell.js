// Cloud shell in the browser: mounts xterm.js on [data-shell] elements and streams it to the learner's shell over /shell/ws.
// Protocol (see server/sandbox/shell/shell-socket.ts): binary frames carry terminal bytes both ways; text frames from
// here are JSON control ({type:'resize',cols,rows} or {type:'terminate'}); close codes 4xxx mean "wait for Enter".
// The Connect form beside a terminal switches it between the cloud shell and the shell of one of the learner's
// running instances (?instance=i-... on the socket), listed by /shell/instances.
(function () {
  'use strict';

  var OPEN_KEY = 'verilab-shell-open';
  var TARGET_KEY = 'verilab-shell-target';
  var INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
  var vendorLoaded;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error('could not load ' + src)); };
      document.head.appendChild(s);
    });
  }

  /** xterm and its fit addon are loaded only when a terminal is first shown: most step-page visits never open one. */
  function loadVendor() {
    if (!vendorLoaded) {
      var link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = '/static/vendor/xterm/xterm.css';
      document.head.appendChild(link);
      vendorLoaded = loadScript('/static/vendor/xterm/xterm.js').then(function () {
        return loadScript('/static/vendor/xterm/addon-fit.js');
      });
    }
    return vendorLoaded;
  }

  // Session storage may be off; the panel then simply starts afresh on the next page.
  function recall(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch {
      return null;
    }
  }

  function remember(key, value) {
    try {
      window.sessionStorage.setItem(key, value);
    } catch {
      // see recall
    }
  }

  /** `target` is '' for the cloud shell or an instance id; onTarget hears of every switch. */
  function mount(container, statusEl, target, onTarget) {
    var term;
    var fit;
    var ws;
    var retries = 0;
    var waitingForEnter = false;
    var leaving = false;
    var switching = false;
    var encoder = new window.TextEncoder();

    function status(text) {
      if (statusEl) statusEl.textContent = text;
      container.setAttribute('data-shell-state', text);
    }

    function send(data) {
      if (ws && ws.readyState === window.WebSocket.OPEN) ws.send(data);
    }

    function connect() {
      waitingForEnter = false;
      status(target ? 'Connecting to ' + target + '…' : 'Connecting…');
      var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
      var query = '?cols=' + term.cols + '&rows=' + term.rows + (target ? '&instance=' + encodeURIComponent(target) : '');
      var socket = new window.WebSocket(scheme + '//' + window.location.host + '/shell/ws' + query);
      ws = socket;
      socket.binaryType = 'arraybuffer';
      var first = true;
      // Events of a socket we have since left (a switch) are not this terminal's any more.
      socket.onopen = function () {
        if (socket !== ws) return;
        retries = 0;
        status(target ? 'Connected to ' + target + '.' : 'Connected.');
      };
      socket.onmessage = function (event) {
        if (socket !== ws) return;
        // the server starts every connection with a replay of the recent screen: clear ours so nothing shows twice
        if (first) {
          term.reset();
          first = false;
        }
        if (typeof event.data !== 'string') term.write(new Uint8Array(event.data));
      };
      socket.onclose = function (event) {
        if (socket !== ws || leaving) return;
        if (event.code >= 4000 || event.code === 1000) {
          waitingForEnter = true;
          status(event.code === 4000 || event.code === 4413 ? 'Shell ended. Press Enter in the terminal to start a new one.' : 'Not connected. Press Enter in the terminal to try again.');
          return;
        }
        // a restart or a network blip: come back by ourselves, more slowly each time
        retries += 1;
        var delay = Math.min(15000, 500 * Math.pow(2, retries));
        status('Disconnected. Reconnecting…');
        setTimeout(function () {
          if (socket === ws) connect();
        }, delay);
      };
    }

    /**
     * Moves this terminal to another shell. An instance shell that is left is ended, as closing an SSH session would
     * end it (and it no longer holds one of the learner's shells); the cloud shell stays, to be reattached later.
     */
    function switchTo(next) {
      if (!term) return;
      var old = ws;
      var open = old && old.readyState <= 1;
      if (next === target && open) return term.focus();
      var endOld = target !== '';
      target = next;
      if (onTarget) onTarget(target);
      // a switch under way connects to whatever target is latest when the old shell has gone
      if (switching) return;
      if (!open) return connect();
      ws = null;
      switching = true;
      status('Switching…');
      var proceed = function () {
        if (!switching) return;
        switching = false;
        connect();
        term.focus();
      };
      old.onclose = proceed;
      old.onmessage = null;
      if (endOld && old.readyState === window.WebSocket.OPEN) {
        old.send(JSON.stringify({ type: 'terminate' }));
        // the server closes the socket once the shell has ended; should it not, leave anyway
        setTimeout(function () { old.close(); }, 3000);
      } else {
        old.close();
      }
      setTimeout(proceed, 6000);
    }

    loadVendor().then(function () {
      term = new window.Terminal({
        cursorBlink: true,
        convertEol: false,
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
        fontSize: 14,
        scrollback: 5000,
        theme: { background: '#1e1e1e', foreground: '#d4d4d4' },
      });
      fit = new window.FitAddon.FitAddon();
      term.loadAddon(fit);
      term.open(container);
      fit.fit();
      term.onData(function (data) {
        if (waitingForEnter) {
          if (data === '\r') connect();
          return;
        }
        send(encoder.encode(data));
      });
      term.onResize(function (size) {
        send(JSON.stringify({ type: 'resize', cols: size.cols, rows: size.rows }));
      });
      window.addEventListener('resize', function () { fit.fit(); });
      window.addEventListener('pagehide', function () { leaving = true; });
      container.shellTerminal = term; // for tests and the curious: the live xterm instance
      connect();
      term.focus();
    }, function () {
      status('The terminal could not be loaded. Reload the page to try again.');
    });

    return {
      fit: function () { if (fit) fit.fit(); },
      focus: function () { if (term) term.focus(); },
      switchTo: switchTo,
      target: function () { return target; },
    };
  }

  /** Fills the Connect form with the learner's running instances; the form shows once there is a choice to make. */
  function loadTargets(form, current) {
    var select = form.querySelector('[data-shell-target-select]');
    window.fetch('/shell/instances', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : { instances: [] }; })
      .then(function (data) {
        var instances = (data && data.instances) || [];
        while (select.options.length > 1) select.remove(1);
        instances.forEach(function (i) {
          var label = i.instanceId + (i.name ? ' (' + i.name + ')' : '') + (i.privateIp ? ' ' + i.privateIp : '');
          select.add(new window.Option(label, i.instanceId));
        });
        select.value = current;
        if (select.value !== current) select.value = '';
        form.hidden = instances.length === 0 && current === '';
      })
      .catch(function () {
        // the cloud shell works without the list; the form simply stays as it was
      });
  }

  document.querySelectorAll('[data-shell]').forEach(function (container) {
    var frame = container.closest('.shell-frame') || container.parentNode;
    var statusEl = frame.querySelector('[data-shell-status]');
    var form = frame.querySelector('[data-shell-target]');
    var panel = container.closest('details[data-shell-panel]');
    var fullLink = frame.querySelector('[data-shell-full-link]');
    var heading = document.querySelector('[data-shell-heading]');
    var mounted;

    // The panel remembers its shell from page to page; the full page takes it from its address.
    var initial = (panel ? recall(TARGET_KEY) : container.getAttribute('data-shell-instance')) || '';
    if (!INSTANCE_ID.test(initial)) initial = '';

    function onTarget(target) {
      if (panel) remember(TARGET_KEY, target);
      if (fullLink) fullLink.href = target ? '/shell?instance=' + encodeURIComponent(target) : '/shell';
      if (heading) heading.textContent = target ? 'Shell on ' + target : 'Cloud shell';
      if (!panel && window.history.replaceState) window.history.replaceState(null, '', target ? '/shell?instance=' + encodeURIComponent(target) : '/shell');
    }
    onTarget(initial);

    if (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var value = form.querySelector('[data-shell-target-select]').value;
        if (mounted && (value === '' || INSTANCE_ID.test(value))) mounted.switchTo(value);
      });
    }

    function show() {
      if (!mounted) mounted = mount(container, statusEl, initial, onTarget);
      else {
        mounted.fit();
        mounted.focus();
      }
      if (form) loadTargets(form, mounted.target());
    }
    if (!panel) {
      if (container.hasAttribute('data-shell-autostart')) show();
      return;
    }
    panel.addEventListener('toggle', function () {
      remember(OPEN_KEY, panel.open ? '1' : '0');
      if (panel.open) show();
    });
    // A learner who had the shell open keeps it open as they move from step to step; the server reattaches it.
    if (recall(OPEN_KEY) === '1') panel.open = true;
  });
})();
