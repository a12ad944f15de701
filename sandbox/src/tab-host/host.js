// The sandbox's Teams host: frames a tab and answers the teams-js 2.58 host protocol
// (shared/reference/teams-js-host-protocol.md). Plain browser script, inlined into host.html.
(function () {
  'use strict';

  var config = window.SANDBOX_HOST_CONFIG || { sandboxUrl: location.origin };
  var params = new URLSearchParams(location.search);
  var tabUrl = params.get('tab');
  var $ = function (id) {
    return document.getElementById(id);
  };
  var iframe = $('tab');
  var saveButton = $('save');
  var tabOrigin = null;
  var session = null;

  /** Everything the host saw and did; tests read it through `window.host`. */
  var host = {
    ready: false,
    error: null,
    session: null,
    theme: params.get('theme') || 'default',
    messages: [],
    registered: [],
    links: [],
    appStatus: null,
    validity: false,
    pendingConfig: null,
    config: null,
    saveResult: null,
    sharing: false,
    audioMuted: false,
    pushTheme: pushTheme,
    triggerSave: triggerSave,
  };
  window.host = host;

  function sessionQuery() {
    var q = new URLSearchParams();
    ['context', 'tenantId', 'userOid', 'theme', 'meetingId', 'chatId', 'entityId'].forEach(
      function (k) {
        if (params.get(k)) q.set(k, params.get(k));
      },
    );
    return q.toString();
  }

  function api(path) {
    return config.sandboxUrl + path;
  }

  function showProblem(text) {
    host.error = text;
    $('problem').textContent = text;
    $('problem').hidden = false;
  }

  /** A type signature of a value: what a teams-js upgrade must not change without us noticing. */
  function shapeOf(v) {
    if (v === null) return 'null';
    if (Array.isArray(v)) return '[' + v.map(shapeOf).join(',') + ']';
    if (typeof v === 'object') {
      return (
        '{' +
        Object.keys(v)
          .sort()
          .map(function (k) {
            return k + ':' + shapeOf(v[k]);
          })
          .join(',') +
        '}'
      );
    }
    return typeof v;
  }

  function abbreviate(value) {
    var text = JSON.stringify(value, function (_k, v) {
      if (v === undefined) return '(undefined)';
      if (typeof v === 'string' && /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(v)) {
        return v.slice(0, 16) + '…(JWT, ' + v.length + ' chars)';
      }
      return v;
    });
    return text && text.length > 600 ? text.slice(0, 600) + '…' : text;
  }

  function log(dir, func, args, extra) {
    var entry = Object.assign({ dir: dir, func: func, args: args, at: Date.now() }, extra || {});
    host.messages.push(entry);
    var li = document.createElement('li');
    li.className = dir;
    var arrow = dir === 'in' ? 'tab → host' : dir === 'reply' ? 'host → tab (reply)' : 'host → tab';
    li.textContent =
      arrow +
      '  ' +
      func +
      (entry.id !== undefined ? ' #' + entry.id : '') +
      '  ' +
      abbreviate(args);
    if (entry.note) {
      var note = document.createElement('div');
      note.className = 'note';
      note.textContent = entry.note;
      li.appendChild(note);
    }
    $('log').appendChild(li);
    return entry;
  }

  function postEvent(func, args) {
    if (!iframe.contentWindow) return;
    var target = tabOrigin || new URL(tabUrl).origin;
    iframe.contentWindow.postMessage({ func: func, args: args }, target);
    log('event', func, args);
  }

  function pushTheme(theme) {
    host.theme = theme;
    document.body.dataset.theme = theme;
    postEvent('themeChange', [theme]);
  }

  /** The host's Save button: sends `settings.save`; false when the tab has not said it is valid. */
  function triggerSave() {
    if (!host.validity) return false;
    host.saveResult = 'pending';
    $('save-status').textContent = 'Saving…';
    postEvent('settings.save', [{}]);
    return true;
  }

  function inMeeting() {
    return Boolean(session && session.meetingDetails);
  }

  /** Meeting APIs answer `[sdkError | null, result]` (§8). */
  function meetingReply(result) {
    if (!inMeeting()) return [{ errorCode: 501, message: 'Not a meeting context.' }, null];
    return [null, result];
  }

  function recordSaved() {
    host.config = host.pendingConfig;
    $('saved').textContent = JSON.stringify(host.config, null, 2);
    return fetch(api('/_sandbox/teams/saved'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        tenantId: session.tenantId,
        userOid: session.userOid,
        scenario: session.scenario,
        config: host.config,
      }),
    }).then(
      function (res) {
        host.saveResult = res.ok ? 'success' : 'recordFailed: ' + res.status;
      },
      function (err) {
        host.saveResult = 'recordFailed: ' + err;
      },
    );
  }

  function getAuthToken() {
    if (params.get('authError')) return [false, params.get('authError')];
    return fetch(api('/_sandbox/teams/token?' + sessionQuery()))
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(
        function (body) {
          return body && body.token ? [true, body.token] : [false, 'resourceRequiresConsent'];
        },
        function () {
          return [false, 'resourceRequiresConsent'];
        },
      );
  }

  /** Request handlers: the reply's `args`, a promise of them, or undefined for "no reply". */
  var handlers = {
    initialize: function (args) {
      var origins = args[2];
      var mine = location.origin;
      if (tabOrigin !== mine && !(Array.isArray(origins) && origins.indexOf(mine) >= 0)) {
        showProblem(
          'The tab is on ' +
            tabOrigin +
            ' and did not pass ' +
            mine +
            ' in app.initialize(validMessageOrigins): its SDK will drop this host’s replies.',
        );
      }
      return [
        session.frameContext,
        session.hostClientType,
        JSON.stringify(session.runtime),
        session.clientSupportedSDKVersion,
      ];
    },
    getContext: function () {
      return [Object.assign({}, session.context, { theme: host.theme })];
    },
    registerHandler: function (args) {
      host.registered.push(args[0]);
    },
    'appInitialization.appLoaded': function () {
      host.appStatus = host.appStatus || 'loaded';
    },
    'appInitialization.success': function () {
      host.appStatus = 'success';
      return [];
    },
    'appInitialization.failure': function (args) {
      host.appStatus = 'failure: ' + args[0];
    },
    'appInitialization.expectedFailure': function (args) {
      host.appStatus = 'expectedFailure: ' + args[0];
    },
    'authentication.getAuthToken': getAuthToken,
    executeDeepLink: function (args) {
      host.links.push(args[0]);
      var li = document.createElement('li');
      li.textContent = args[0];
      $('links').appendChild(li);
      return [true];
    },
    'settings.setValidityState': function (args) {
      host.validity = Boolean(args[0]);
      saveButton.disabled = !host.validity;
    },
    'settings.setSettings': function (args) {
      host.pendingConfig = args[0];
      return [true];
    },
    'settings.getSettings': function () {
      return [host.config || host.pendingConfig || {}];
    },
    'settings.save.success': function () {
      $('save-status').textContent = 'Saved';
      return recordSaved().then(function () {
        return undefined;
      });
    },
    'settings.save.failure': function (args) {
      host.saveResult = 'failure: ' + args[0];
      $('save-status').textContent = 'The tab refused to save: ' + args[0];
    },
    'meeting.getAppContentStageSharingState': function () {
      return meetingReply({ isAppSharing: host.sharing });
    },
    'meeting.getAppContentStageSharingCapabilities': function () {
      return meetingReply({ doesAppHaveSharePermission: true });
    },
    'meeting.shareAppContentToStage': function (args) {
      if (inMeeting()) host.sharing = args[0] || true;
      return meetingReply(true);
    },
    'meeting.stopSharingAppContentToStage': function () {
      if (inMeeting()) host.sharing = false;
      return meetingReply(true);
    },
    'meeting.getMeetingDetails': function () {
      return meetingReply(session.meetingDetails);
    },
    getIncomingClientAudioState: function () {
      return meetingReply(host.audioMuted);
    },
    toggleIncomingClientAudio: function () {
      if (inMeeting()) host.audioMuted = !host.audioMuted;
      return meetingReply(host.audioMuted);
    },
  };

  function onMessage(evt) {
    if (!iframe.contentWindow || evt.source !== iframe.contentWindow) return;
    var data = evt.data;
    if (!data || typeof data.func !== 'string') return;
    tabOrigin = evt.origin;
    var args = Array.isArray(data.args) ? data.args : [];
    var handler = Object.prototype.hasOwnProperty.call(handlers, data.func)
      ? handlers[data.func]
      : null;
    log('in', data.func, args, {
      id: data.id,
      envelope: Object.keys(data).sort(),
      shape: args.map(shapeOf),
      note: handler ? undefined : 'not emulated by the sandbox host: no reply',
    });
    if (!handler || session === null) return;
    Promise.resolve(handler(args, data)).then(function (reply) {
      if (reply === undefined || typeof data.id !== 'number') return;
      var message = { id: data.id, args: reply };
      if (data.uuidAsString) message.uuidAsString = data.uuidAsString;
      evt.source.postMessage(message, evt.origin === 'null' ? '*' : evt.origin);
      log('reply', data.func, reply, { id: data.id });
    });
  }

  function describeSession() {
    var c = session.context;
    $('who').textContent = c.userDisplayName + ' (' + c.userPrincipalName + ')';
    $('where').textContent =
      session.scenario +
      ' · frameContext ' +
      session.frameContext +
      (c.meetingId ? ' · meeting' : '');
    $('settings-bar').hidden = session.frameContext !== 'settings';
  }

  function startSetupForm() {
    $('setup').hidden = false;
    fetch(api('/_sandbox/info'))
      .then(function (res) {
        return res.json();
      })
      .then(function (info) {
        var tenants = $('setup-tenant');
        var users = $('setup-user');
        var fillUsers = function () {
          var t = info.tenants.find(function (x) {
            return x.tenantId === tenants.value;
          });
          users.textContent = '';
          [t.organizer].concat(t.staff, [t.unlicensedUser]).forEach(function (u) {
            if (u) users.add(new Option(u.displayName + ' (' + u.upn + ')', u.oid));
          });
          if (t.staff[0]) users.value = t.staff[0].oid;
        };
        info.tenants.forEach(function (t) {
          tenants.add(new Option(t.displayName, t.tenantId));
        });
        tenants.addEventListener('change', fillUsers);
        fillUsers();
      })
      .catch(function (err) {
        showProblem('Could not read the sandbox tenants: ' + err);
      });
  }

  document.querySelectorAll('[data-theme-button]').forEach(function (b) {
    b.addEventListener('click', function () {
      pushTheme(b.getAttribute('data-theme-button'));
    });
  });
  saveButton.addEventListener('click', triggerSave);
  document.body.dataset.theme = host.theme;

  if (!tabUrl) {
    startSetupForm();
    return;
  }
  fetch(api('/_sandbox/teams/session?' + sessionQuery()))
    .then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body.error ? body.error.message : 'HTTP ' + res.status);
        return body;
      });
    })
    .then(function (s) {
      session = s;
      host.session = s;
      describeSession();
      $('stage').hidden = false;
      // The listener is in place before the tab loads, so `initialize` is never missed.
      window.addEventListener('message', onMessage);
      iframe.src = new URL(tabUrl, location.href).href;
      host.ready = true;
    })
    .catch(function (err) {
      showProblem('Cannot open the tab: ' + err.message);
    });
})();
