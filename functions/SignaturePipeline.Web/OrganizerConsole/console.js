// The organizers' console: a small page script over /api/console/…, served by the app itself (no CDN, no build step).
// Every chart and map has a table beside it; dates are shown in the browser's own time zone (Intl).
(function () {
  'use strict';
  var app = document.getElementById('app');
  if (!app) return;
  var csrf = app.getAttribute('data-csrf');
  var isOperator = app.getAttribute('data-operator') === 'true';
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var fmtNumber = new Intl.NumberFormat();
  var fmtHour = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric' });
  var fmtDay = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  var fmtDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  var SVG = 'http://www.w3.org/2000/svg';

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') el.textContent = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return el;
  }

  function s(tag, attrs, children) {
    var el = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return el;
  }

  function n(value) { return fmtNumber.format(value || 0); }

  function api(method, url, body) {
    var headers = { 'Accept': 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(url, { method: method, headers: headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        if (r.status === 401) { location.href = '/console'; throw new Error('signed out'); }
        return r.text().then(function (t) { return { status: r.status, ok: r.ok, body: t ? JSON.parse(t) : null }; });
      });
  }

  function petitionUrl(id) { return '/api/console/petitions/' + encodeURIComponent(id); }

  function show(title, nodes) {
    document.title = title + ' · Organizers\u2019 console';
    app.textContent = '';
    nodes.forEach(function (node) { if (node) app.appendChild(node); });
    var heading = app.querySelector('h1');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); }
  }

  function table(caption, headers, rows, numeric) {
    return h('div', { 'class': 'scroll' }, [h('table', {}, [
      h('caption', { 'class': 'visually-hidden', text: caption }),
      h('thead', {}, [h('tr', {}, headers.map(function (x, i) { return h('th', { scope: 'col', 'class': numeric && numeric[i] ? 'n' : null, text: x }); }))]),
      h('tbody', {}, rows.map(function (r) {
        return h('tr', {}, r.map(function (cell, i) {
          var attrs = { 'class': numeric && numeric[i] ? 'n' : null };
          if (i === 0) { attrs.scope = 'row'; return h('th', attrs, [cell]); }
          return h('td', attrs, [cell]);
        }));
      }))
    ])]);
  }

  // ---------- the list ----------
  function renderList() {
    api('GET', '/api/console/petitions').then(function (r) {
      var rows = r.body.map(function (p) {
        return [h('a', { href: '#/p/' + encodeURIComponent(p.id), text: p.title }), p.status, n(p.signatureCount), n(p.goal), n(p.last24Hours)];
      });
      show('Your petitions', [
        h('h1', { text: isOperator ? 'All petitions' : 'Your petitions' }),
        rows.length === 0 ? h('p', { text: 'No petition lists your address yet.' })
          : h('section', { 'class': 'card' }, [table('Petitions', ['Petition', 'Status', 'Signatures', 'Goal', 'Last 24 hours'], rows, [false, false, true, true, true])]),
        h('p', {}, [h('a', { 'class': 'button', href: '#/new', text: 'Create a petition' })])
      ]);
    });
  }

  // ---------- the chart ----------
  function barChart(id, title, buckets, label) {
    var width = 720, height = 220, left = 44, bottom = 28, top = 10;
    var max = Math.max.apply(null, buckets.map(function (b) { return b.count; }).concat([1]));
    var step = (width - left - 8) / Math.max(buckets.length, 1);
    var svg = s('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-labelledby': id + '-t ' + id + '-d' }, [
      s('title', { id: id + '-t' }, [title]),
      s('desc', { id: id + '-d' }, ['Bar chart; the same figures are in the table below. Most in one bar: ' + n(max) + '.'])
    ]);
    [0, 0.5, 1].forEach(function (f) {
      var y = height - bottom - f * (height - bottom - top);
      svg.appendChild(s('line', { 'class': 'axis', x1: left, x2: width, y1: y, y2: y }));
      svg.appendChild(s('text', { x: left - 4, y: y + 4, 'text-anchor': 'end' }, [n(Math.round(max * f))]));
    });
    buckets.forEach(function (b, i) {
      var bh = b.count / max * (height - bottom - top);
      var rect = s('rect', { 'class': 'bar', x: left + i * step, y: height - bottom - bh, width: Math.max(step - 1, 1), height: bh });
      rect.appendChild(s('title', {}, [label(b) + ': ' + n(b.count)]));
      svg.appendChild(rect);
    });
    var ticks = Math.min(buckets.length, 7);
    for (var t = 0; t < ticks; t++) {
      var i = Math.floor(t * buckets.length / ticks);
      svg.appendChild(s('text', { x: left + i * step, y: height - 8 }, [label(buckets[i]).split(',')[0]]));
    }
    return h('div', { 'class': 'chart' }, [svg]);
  }

  function chartSection(view) {
    var hours = view.hours.map(function (b) { return { start: new Date(b.start), count: b.count }; });
    var days = view.days.map(function (b) { return { start: new Date(b.start), count: b.count }; });
    var hourLabel = function (b) { return fmtHour.format(b.start); };
    var dayLabel = function (b) { return fmtDay.format(b.start); };
    var nodes = [
      h('h2', { id: 'over-time', text: 'Signatures over time' }),
      h('p', { 'class': 'small', text: 'Times in your time zone (' + zone + '). Signatures count when they are confirmed or released.' }),
      h('h3', { text: 'Last 7 days, by hour' }),
      barChart('hours', 'Signatures per hour, last 7 days', hours, hourLabel),
      h('details', {}, [h('summary', { text: 'Signatures per hour as a table' }),
        table('Signatures per hour', ['Hour', 'Signatures'], hours.filter(function (b) { return b.count > 0; }).map(function (b) { return [hourLabel(b), n(b.count)]; }), [false, true])])
    ];
    if (days.length > 0) {
      nodes.push(h('h3', { text: 'Before that, by day' }));
      nodes.push(barChart('days', 'Signatures per day before the last 7 days', days, dayLabel));
      nodes.push(h('details', {}, [h('summary', { text: 'Signatures per day as a table' }),
        table('Signatures per day', ['Day', 'Signatures'], days.map(function (b) { return [dayLabel(b), n(b.count)]; }), [false, true])]));
    }
    return h('section', { 'class': 'card', 'aria-labelledby': 'over-time' }, nodes);
  }

  // ---------- the map ----------
  var shades = ['#e8eef9', '#b9cdf0', '#7fa3e3', '#3f73d1', '#0b3f9e'];

  function mapSection(view) {
    var byState = view.countsByState || {};
    var max = Math.max.apply(null, Object.keys(byState).map(function (k) { return byState[k]; }).concat([1]));
    var shade = function (count) { return count <= 0 ? '#f1f1f1' : shades[Math.min(shades.length - 1, Math.floor(count / max * (shades.length - 1e-9)))]; };
    var nodes = [h('h2', { id: 'where', text: 'Where signers live' })];
    var map = window.USA_MAP;
    if (map) {
      var svg = s('svg', { viewBox: map.viewBox, role: 'img', 'aria-labelledby': 'map-t map-d' }, [
        s('title', { id: 'map-t' }, ['Map of the United States, states shaded by signatures']),
        s('desc', { id: 'map-d' }, ['Darker states have more signers; every figure is in the table beside the map.'])
      ]);
      map.states.forEach(function (st) {
        var count = byState[st.id] || 0;
        var path = s('path', { d: st.d, fill: shade(count) });
        path.appendChild(s('title', {}, [st.name + ': ' + n(count)]));
        svg.appendChild(path);
      });
      // One entry per shade in use: with few signers, several shades would share one label.
      var seen = {};
      var legend = h('ul', { 'class': 'legend', 'aria-hidden': 'true' }, ['none'].concat(shades).map(function (c, i) {
        var text = i === 0 ? 'none' : 'up to ' + n(Math.ceil(max * i / shades.length));
        if (seen[text]) return null;
        seen[text] = true;
        return h('li', {}, [s('svg', { viewBox: '0 0 10 10' }, [s('rect', { width: 10, height: 10, fill: i === 0 ? '#f1f1f1' : c })]), text]);
      }).filter(Boolean));
      nodes.push(h('div', { 'class': 'map' }, [svg]), legend, h('p', { 'class': 'small', text: map.attribution }));
    }
    var rows = Object.keys(byState).sort(function (a, b) { return byState[b] - byState[a]; }).map(function (k) { return [k, n(byState[k])]; });
    var tableNode = rows.length ? table('Signatures by state', ['State', 'Signatures'], rows, [false, true]) : h('p', { text: 'No counted signature yet.' });
    return h('section', { 'class': 'card', 'aria-labelledby': 'where' }, [h('div', { 'class': 'grid two' }, [
      h('div', {}, nodes),
      h('div', {}, [h('h3', { text: 'By state' }), tableNode])
    ])]);
  }

  // ---------- the petition ----------
  function renderPetition(id) {
    api('GET', petitionUrl(id)).then(function (r) {
      if (r.status === 404) { show('Not found', [h('h1', { text: 'Petition not found' }), h('p', {}, [h('a', { href: '#/', text: 'Back to your petitions' })])]); return; }
      var v = r.body, p = v.summary, d = v.definition;
      var origin = location.origin;
      var embed = '<script src="' + origin + '/api/embed.js" data-petition="' + p.id + '" async></' + 'script>';
      var plainForm = '<form method="post" action="' + origin + '/api/petitions/' + p.id + '/signatures">\n' +
        '  <label>First name <input name="firstName" required></label>\n  <label>Last name <input name="lastName" required></label>\n' +
        '  <label>Email <input name="email" type="email" required></label>\n  <label>ZIP code <input name="postalCode" required></label>\n' +
        '  <label>State <input name="state" required></label>\n  <label>Comment <textarea name="comment"></textarea></label>\n' +
        '  <label><input type="checkbox" name="optIn" value="true"> Keep me informed</label>\n  <button>Sign</button>\n</form>';
      show(p.title, [
        h('p', {}, [h('a', { href: '#/', text: '\u2190 Your petitions' })]),
        h('h1', { text: p.title }),
        h('section', { 'class': 'card', 'aria-labelledby': 'count' }, [
          h('h2', { id: 'count', 'class': 'visually-hidden', text: 'Count' }),
          h('p', { 'class': 'big', 'data-testid': 'count', text: n(p.signatureCount) }),
          h('p', { 'class': 'muted', text: 'signatures of a goal of ' + n(p.goal) + ' \u00b7 ' + n(p.last24Hours) + ' in the last 24 hours \u00b7 status: ' + p.status }),
          h('progress', { max: Math.max(p.goal, 1), value: Math.min(p.signatureCount, Math.max(p.goal, 1)), 'aria-label': 'Progress toward the goal' }),
          h('p', {}, [
            h('a', { 'class': 'button', href: '#/p/' + encodeURIComponent(p.id) + '/edit', text: 'Edit the petition' }),
            h('a', { 'class': 'button', href: petitionUrl(p.id) + '/signatures.csv', download: '', text: 'Export opted-in signers (CSV)' }),
            h('a', { href: '/petitions/' + encodeURIComponent(p.id), text: 'Public page' })
          ])
        ]),
        chartSection(v),
        mapSection(v),
        h('div', { 'class': 'grid two' }, [
          h('section', { 'class': 'card', 'aria-labelledby': 'top-zip' }, [h('h2', { id: 'top-zip', text: 'Top ZIP areas' }),
            v.topZip3.length ? table('Top ZIP areas (first three digits)', ['ZIP area', 'Signatures'], v.topZip3.map(function (z) { return [z.key + 'xx', n(z.count)]; }), [false, true]) : h('p', { text: 'None yet.' })]),
          h('section', { 'class': 'card', 'aria-labelledby': 'top-states' }, [h('h2', { id: 'top-states', text: 'Top states' }),
            v.topStates.length ? table('Top states', ['State', 'Signatures'], v.topStates.map(function (z) { return [z.key, n(z.count)]; }), [false, true]) : h('p', { text: 'None yet.' })])
        ]),
        h('section', { 'class': 'card', 'aria-labelledby': 'outcomes' }, [h('h2', { id: 'outcomes', text: 'Rejections and duplicates by reason' }),
          v.outcomes.length ? table('Rejections and duplicates by reason', ['Reason', 'Outcome', 'Signatures'], v.outcomes.map(function (o) {
            return [o.reason.replace(/_/g, ' '), o.status, n(o.count)];
          }), [false, false, true]) : h('p', { text: 'None so far.' })]),
        heldSection(p.id),
        h('section', { 'class': 'card', 'aria-labelledby': 'deliveries' }, [h('h2', { id: 'deliveries', text: 'Weekly deliveries' }),
          v.deliveries.length ? table('Deliveries', ['Week', 'Target', 'Signatures', 'Status', 'Files'], v.deliveries.map(function (dl) {
            var files = h('span', {}, dl.files.map(function (f) {
              return h('a', { href: petitionUrl(p.id) + '/deliveries/' + encodeURIComponent(dl.targetId) + '/' + encodeURIComponent(dl.week) + '/' + f, download: '', text: f + ' ' });
            }));
            return [dl.week, dl.targetName, n(dl.count), dl.status, files];
          }), [false, false, true, false, false]) : h('p', { text: 'No delivery yet. Deliveries go out every Monday.' })]),
        h('section', { 'class': 'card', 'aria-labelledby': 'milestones' }, [h('h2', { id: 'milestones', text: 'Milestones emailed' }),
          v.milestones.length ? table('Milestones', ['Milestone', 'State', 'Recorded'], v.milestones.map(function (m) {
            return [n(m.threshold), m.state, fmtDateTime.format(new Date(m.sentAt || m.recordedAt))];
          }), [true, false, false]) : h('p', { text: 'No milestone crossed yet.' })]),
        updatesSection(p.id),
        sourcesSection(p.id),
        h('section', { 'class': 'card', 'aria-labelledby': 'share' }, [h('h2', { id: 'share', text: 'Put the form on your site' }),
          snippet('embed-snippet', 'Embed snippet (the widget)', embed),
          snippet('form-snippet', 'Plain form (works without JavaScript)', plainForm),
          h('p', { 'class': 'small', text: 'The page\u2019s origin must be in the petition\u2019s allowed origins (now: ' + (d.allowedOrigins.join(', ') || 'none') + ').' })])
      ]);
    });
  }

  // ---------- updates to signers ----------
  function updatesSection(id) {
    var list = h('div', {}, [h('p', { text: 'Loading updates\u2026' })]);
    var status = h('p', { role: 'status' });
    var kind = h('select', {}, [['update', 'An update (to the signers who opted in; at most 3 a week)'],
      ['response', 'The target\u2019s response (to every counted signer)'], ['victory', 'Victory: we won (to every counted signer; the petition becomes won)']]
      .map(function (k) { return h('option', { value: k[0], text: k[1] }); }));
    var text = function (name) { var i = h('input', { type: 'text' }); i.name = name; return i; };
    var area = function (name) { var t = h('textarea', { rows: 6 }); t.name = name; return t; };
    var responder = text('responder');
    var responderField = field('responder', 'Who responded', responder, '(for a response: the Governor, the White House\u2026)');
    responderField.hidden = true;
    kind.addEventListener('change', function () { responderField.hidden = kind.value !== 'response'; });
    var form = h('form', { novalidate: true }, [
      field('kind', 'Kind', kind),
      field('subject', 'Subject', text('subject'), '(150 characters at most)'),
      field('body', 'Message', area('body'), '(plain text; blank lines make paragraphs; links are shown with their address)'),
      responderField,
      field('subjectEs', 'Subject in Spanish', text('subjectEs'), '(optional)'),
      field('bodyEs', 'Message in Spanish', area('bodyEs'), '(optional; Spanish-speaking signers get the English text with a note otherwise)'),
      h('button', { type: 'submit', text: 'Send to signers' }), status
    ]);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var get = function (name) { var v = form.querySelector('[name=' + name + ']').value.trim(); return v.length ? v : null; };
      var body = { kind: kind.value, subject: get('subject'), body: get('body'), subjectEs: get('subjectEs'), bodyEs: get('bodyEs'),
        responder: kind.value === 'response' ? get('responder') : null };
      form.querySelectorAll('.err').forEach(function (x) { x.remove(); });
      api('POST', petitionUrl(id) + '/updates', body).then(function (r) {
        if (r.ok) { status.textContent = 'Sending to ' + n(r.body.recipients) + ' signer(s).'; form.reset(); responderField.hidden = true; load(); return; }
        status.textContent = (r.body && r.body.detail) || 'The update could not be sent.';
        ((r.body && r.body.errors) || []).forEach(function (er) {
          var wrap = form.querySelector('[data-field="' + er.field + '"]');
          if (wrap) wrap.appendChild(h('p', { 'class': 'err', text: er.message }));
        });
      });
    });
    function load() {
      api('GET', petitionUrl(id) + '/updates').then(function (r) {
        list.textContent = '';
        var updates = (r.body && r.body.updates) || [];
        list.appendChild(updates.length ? table('Updates sent', ['Subject', 'Kind', 'Published', 'Status'], updates.map(function (u) {
          return [u.subject, u.kind, u.publishedAt ? fmtDateTime.format(new Date(u.publishedAt)) : '', u.status];
        })) : h('p', { text: 'No update yet.' }));
      });
    }
    load();
    return h('section', { 'class': 'card', 'aria-labelledby': 'updates' }, [h('h2', { id: 'updates', text: 'Updates to signers and victory' }), list,
      h('h3', { text: 'Write to the signers' }), form]);
  }

  // ---------- sources and referrers ----------
  function sourcesSection(id) {
    var body = h('div', {}, [h('p', { text: 'Loading sources\u2026' })]);
    api('GET', petitionUrl(id) + '/sources').then(function (r) {
      body.textContent = '';
      var v = r.body || {};
      var rows = function (o) { return Object.keys(o || {}).sort(function (a, b) { return o[b] - o[a]; }).map(function (k) { return [k, n(o[k])]; }); };
      var bySource = rows(v.bySource);
      body.appendChild(bySource.length ? table('Signatures by source', ['Source', 'Signatures'], bySource, [false, true])
        : h('p', { text: 'No signature carried a source yet. Give each partner a link with ?source=their-code.' }));
      var top = (v.topReferrers || []).map(function (t) { return [t.referrer, n(t.count)]; });
      body.appendChild(h('h3', { text: 'Signers whose shared links brought the most signatures' }));
      body.appendChild(top.length ? table('Top referrers', ['Referral code', 'Signatures'], top, [false, true]) : h('p', { text: 'None yet.' }));
    });
    return h('section', { 'class': 'card', 'aria-labelledby': 'sources' }, [h('h2', { id: 'sources', text: 'Where signatures come from' }), body]);
  }

  function snippet(id, label, text) {
    var area = h('textarea', { id: id, 'class': 'code', readonly: true, rows: text.split('\n').length + 1 });
    area.value = text;
    var status = h('span', { role: 'status', 'class': 'small' });
    return h('div', {}, [h('label', { 'for': id, text: label }), area,
      h('button', { type: 'button', 'class': 'secondary', onclick: function () {
        area.select();
        (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject()).then(
          function () { status.textContent = 'Copied.'; }, function () { document.execCommand('copy'); status.textContent = 'Copied.'; });
      }, text: 'Copy' }), status]);
  }

  function heldSection(id) {
    var status = h('p', { role: 'status' });
    var body = h('div', {}, [h('p', { text: 'Loading held signatures\u2026' })]);
    var section = h('section', { 'class': 'card', 'aria-labelledby': 'held' }, [h('h2', { id: 'held', text: 'Held signatures' }),
      h('p', { 'class': 'small', text: 'Held for review (rate limit, honeypot, captcha, disposable address). Release counts them; invalidate keeps them out for good.' }),
      body, status]);
    function load() {
      api('GET', petitionUrl(id) + '/held').then(function (r) {
        body.textContent = '';
        if (!r.body || r.body.length === 0) { body.appendChild(h('p', { text: 'No signature is held.' })); return; }
        var rows = r.body.map(function (x, i) {
          var box = h('input', { type: 'checkbox', id: 'held-' + i, value: x.id, name: 'held' });
          return [h('span', {}, [box, h('label', { 'for': 'held-' + i, 'class': 'visually-hidden', text: 'Select the signature from ' + (x.state || '') + ' held for ' + (x.flag || '') })]),
            x.flag || '', x.state || '', x.emailDomain || '', x.signedAt ? fmtDateTime.format(new Date(x.signedAt)) : ''];
        });
        body.appendChild(table('Held signatures', ['Select', 'Why held', 'State', 'Email domain', 'Signed'], rows));
        var act = function (path, verb) {
          return function () {
            var ids = Array.prototype.map.call(section.querySelectorAll('input[name=held]:checked'), function (b) { return b.value; });
            if (ids.length === 0) { status.textContent = 'Select at least one signature.'; return; }
            api('POST', petitionUrl(id) + '/held/' + path, { ids: ids }).then(function (res) {
              status.textContent = res.ok ? verb + ' ' + res.body.changed + ' signature(s). The count moved by ' + res.body.countDelta + '.' : 'That did not work: ' + (res.body && res.body.detail);
              load();
            });
          };
        };
        body.appendChild(h('button', { type: 'button', onclick: act('release', 'Released'), text: 'Release selected' }));
        body.appendChild(h('button', { type: 'button', 'class': 'danger', onclick: act('invalidate', 'Invalidated'), text: 'Invalidate selected' }));
      });
    }
    load();
    return section;
  }

  // ---------- create and edit ----------
  function field(name, label, control, hint) {
    control.id = 'f-' + name;
    control.name = name;
    return h('div', { 'data-field': name }, [h('label', { 'for': control.id }, [label, hint ? h('span', { 'class': 'hint', text: ' ' + hint }) : null]), control]);
  }

  function renderEdit(id) {
    var creating = id === null;
    var load = creating ? Promise.resolve(null) : api('GET', petitionUrl(id)).then(function (r) { return r.ok ? r.body.definition : null; });
    load.then(function (d) {
      if (!creating && !d) { show('Not found', [h('h1', { text: 'Petition not found' })]); return; }
      d = d || { title: '', letter: '', targets: [{ kind: 'president', name: 'President of the United States', email: '' }], organizers: [], goal: 1000, milestones: [], status: 'open', allowedOrigins: [], thankYouUrl: '', requireConfirmation: true };
      var text = function (v) { var i = h('input', { type: 'text' }); i.value = v || ''; return i; };
      var area = function (v, rows) { var t = h('textarea', { rows: rows || 4 }); t.value = v || ''; return t; };
      var status = h('select', {}, ['open', 'closed', 'won'].map(function (x) { return h('option', { value: x, selected: (d.status || '').toLowerCase() === x, text: x }); }));
      var confirm = h('input', { type: 'checkbox', checked: d.requireConfirmation !== false });
      var idInput = text(creating ? '' : id);
      var targets = (d.targets || []).map(function (t) { return [t.kind, t.name, t.email, t.state || ''].concat(String(t.names || '').toLowerCase() === 'none' ? ['none'] : []).join(' | '); }).join('\n');
      var form = h('form', { novalidate: true }, [
        h('div', { 'class': 'summary', tabindex: '-1', hidden: true, id: 'errors' }),
        creating ? field('id', 'Petition id', idInput, '(lower-case letters, digits and dashes; in its address)') : null,
        field('title', 'Title', text(d.title)),
        field('letter', 'Letter', area(d.letter, 8)),
        field('targets', 'Targets', area(targets, 3), '(one a line: kind | name | email | state | names; kind is governor, president or custom; names "none" sends no signer list)'),
        field('organizers', 'Organizers', area((d.organizers || []).join('\n'), 3), '(one email a line; they can sign in here and get milestone emails)'),
        field('goal', 'Goal', h('input', { type: 'number', min: '1', value: String(d.goal || '') })),
        field('milestones', 'Milestones', text((d.milestones || []).join(', ')), '(comma-separated; empty for the defaults)'),
        field('status', 'Status', status),
        field('allowedOrigins', 'Allowed origins', area((d.allowedOrigins || []).join('\n'), 2), '(one a line, like https://example.org; * for any)'),
        field('thankYouUrl', 'Thank-you page', text(d.thankYouUrl), '(optional address signers go to after a plain form post)'),
        h('div', { 'data-field': 'requireConfirmation' }, [h('label', {}, [confirm, 'Signers confirm by email before they count'])]),
        h('button', { type: 'submit', text: creating ? 'Create the petition' : 'Save changes' }),
        h('a', { href: creating ? '#/' : '#/p/' + encodeURIComponent(id), text: 'Cancel' })
      ]);
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        var get = function (name) { return form.querySelector('[name=' + name + ']').value; };
        var lines = function (name) { return get(name).split('\n').map(function (x) { return x.trim(); }).filter(Boolean); };
        var body = {
          title: get('title'), letter: get('letter'),
          targets: lines('targets').map(function (line) {
            var parts = line.split('|').map(function (x) { return x.trim(); });
            return { kind: parts[0], name: parts[1], email: parts[2], state: parts[3] || null, names: parts[4] || null };
          }),
          organizers: lines('organizers'),
          goal: parseInt(get('goal'), 10) || null,
          milestones: get('milestones').split(',').map(function (x) { return parseInt(x.trim(), 10); }).filter(function (x) { return !isNaN(x); }),
          status: get('status'), allowedOrigins: lines('allowedOrigins'), thankYouUrl: get('thankYouUrl') || null,
          requireConfirmation: confirm.checked
        };
        var target = creating ? idInput.value.trim() : id;
        api('PUT', petitionUrl(target || '-'), body).then(function (r) {
          form.querySelectorAll('.err').forEach(function (x) { x.remove(); });
          form.querySelectorAll('[aria-invalid]').forEach(function (x) { x.removeAttribute('aria-invalid'); x.removeAttribute('aria-describedby'); });
          if (r.ok) { location.hash = '#/p/' + encodeURIComponent(target); return; }
          var box = form.querySelector('#errors');
          var errors = (r.body && r.body.errors) || [];
          box.textContent = '';
          box.appendChild(h('h2', { text: r.status === 404 ? 'This petition id is taken.' : (r.body && r.body.detail) || 'The petition could not be saved.' }));
          box.appendChild(h('ul', {}, errors.map(function (er) { return h('li', {}, [h('a', { href: '#f-' + er.field, text: er.message })]); })));
          errors.forEach(function (er, i) {
            var wrap = form.querySelector('[data-field="' + er.field + '"]');
            var control = wrap && wrap.querySelector('input,textarea,select');
            if (!control) return;
            control.setAttribute('aria-invalid', 'true');
            control.setAttribute('aria-describedby', 'err-' + i);
            wrap.appendChild(h('p', { 'class': 'err', id: 'err-' + i, text: er.message }));
          });
          box.hidden = false;
          box.focus();
        });
      });
      show(creating ? 'Create a petition' : 'Edit ' + d.title, [
        h('p', {}, [h('a', { href: creating ? '#/' : '#/p/' + encodeURIComponent(id), text: '\u2190 Back' })]),
        h('h1', { text: creating ? 'Create a petition' : 'Edit the petition' }),
        h('section', { 'class': 'card' }, [form])
      ]);
    });
  }

  function route() {
    var hash = location.hash.replace(/^#\/?/, '');
    var parts = hash.split('/').map(decodeURIComponent);
    if (parts[0] === 'p' && parts[1] && parts[2] === 'edit') renderEdit(parts[1]);
    else if (parts[0] === 'p' && parts[1]) renderPetition(parts[1]);
    else if (parts[0] === 'new') renderEdit(null);
    else renderList();
  }

  window.addEventListener('hashchange', route);
  route();
})();
