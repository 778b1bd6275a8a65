// Cloud shell in the browser: mounts xterm.js on [data-shell] elements and streams it to the learner's shell over /shell/ws.
// Protocol (see server/sandbox/shell/shell-socket.ts): binary frames carry terminal bytes both ways; text frames from
// here are JSON control ({type:'resize',cols,rows} or {type:'terminate'}); close codes 4xxx mean "wait for Enter".
(function () {
  'use strict';

  var OPEN_KEY = 'verilab-shell-open';
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

  function mount(container, statusEl) {
    var term;
    var fit;
    var ws;
    var retries = 0;
    var waitingForEnter = false;
    var leaving = false;
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
      status('Connecting…');
      var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
      ws = new window.WebSocket(scheme + '//' + window.location.host + '/shell/ws?cols=' + term.cols + '&rows=' + term.rows);
      ws.binaryType = 'arraybuffer';
      var first = true;
      ws.onopen = function () {
        retries = 0;
        status('Connected.');
      };
      ws.onmessage = function (event) {
        // the server starts every connection with a replay of the recent screen: clear ours so nothing shows twice
        if (first) {
          term.reset();
          first = false;
        }
        if (typeof event.data !== 'string') term.write(new Uint8Array(event.data));
      };
      ws.onclose = function (event) {
        if (leaving) return;
        if (event.code >= 4000 || event.code === 1000) {
          waitingForEnter = true;
          status(event.code === 4000 || event.code === 4413 ? 'Shell ended. Press Enter in the terminal to start a new one.' : 'Not connected. Press Enter in the terminal to try again.');
          return;
        }
        // a restart or a network blip: come back by ourselves, more slowly each time
        retries += 1;
        var delay = Math.min(15000, 500 * Math.pow(2, retries));
        status('Disconnected. Reconnecting…');
        setTimeout(connect, delay);
      };
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
    };
  }

  document.querySelectorAll('[data-shell]').forEach(function (container) {
    var frame = container.closest('.shell-frame') || container.parentNode;
    var statusEl = frame.querySelector('[data-shell-status]');
    var panel = container.closest('details[data-shell-panel]');
    var mounted;
    function show() {
      if (!mounted) mounted = mount(container, statusEl);
      else {
        mounted.fit();
        mounted.focus();
      }
    }
    if (!panel) {
      if (container.hasAttribute('data-shell-autostart')) show();
      return;
    }
    panel.addEventListener('toggle', function () {
      try {
        window.sessionStorage.setItem(OPEN_KEY, panel.open ? '1' : '0');
      } catch {
        // storage may be off; the panel then simply starts closed on the next page
      }
      if (panel.open) show();
    });
    // A learner who had the shell open keeps it open as they move from step to step; the server reattaches it.
    var wasOpen = false;
    try {
      wasOpen = window.sessionStorage.getItem(OPEN_KEY) === '1';
    } catch {
      wasOpen = false;
    }
    if (wasOpen) panel.open = true;
  });
})();
