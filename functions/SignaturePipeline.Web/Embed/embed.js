/* SignaturePipeline signing form. Usage, where the form should appear:
   <script src="https://HOST/api/embed.js" data-petition="PETITION-ID" async></script>
   Optional: data-lang="es" (otherwise the page's lang, then English); data-share-url="https://…" (the page the
   share step links to; otherwise this page). No dependencies. */
(function () {
  'use strict';

  // currentScript is null for module scripts and after execution; fall back to the first unclaimed tag.
  var script = document.currentScript || document.querySelector('script[data-petition]:not([data-sp])');
  if (!script || !script.src || script.hasAttribute('data-sp')) return;
  script.setAttribute('data-sp', '');

  var api = new URL('./', script.src); // the API lives next to this script, wherever it is hosted
  var petitionId = script.getAttribute('data-petition') || '';
  var STATES = /*STATES*/[];

  // Every visible word is here, so a translation is one more entry. The server's English messages are
  // shown as they are; other languages translate them by their stable code, falling back to the English.
  var STRINGS = {
    en: {
      locale: 'en-US',
      to: 'To: {targets}',
      progress: '{count} of {next} signatures',
      progressLabel: 'Signatures so far, toward the next milestone',
      letter: 'Read the letter',
      firstName: 'First name', lastName: 'Last name', email: 'Email', postalCode: 'ZIP code',
      state: 'State', choose: 'Choose\u2026', city: 'City', comment: 'Comment', optional: 'optional',
      optIn: 'Email me updates about this campaign',
      private: 'Count my signature, but don\u2019t send my name to the target',
      privateChosen: 'As you asked, your name, city and comment will not be sent to the target.',
      honeypot: 'Leave this field empty',
      submit: 'Sign the petition', sending: 'Sending\u2026', counting: 'Counting your signature\u2026',
      counted: 'Thank you, you are supporter #{n}',
      countedAgain: 'Thank you, your signature is counted',
      counting2: 'Thank you! Your signature is being counted.',
      duplicate: 'You have already signed',
      duplicateText: 'We count each person once, and your earlier signature is counted.',
      rejected: 'Your signature was not counted.',
      poisoned: 'We could not count your signature because of a problem on our side. Please try again later.',
      network: 'We could not reach the petition. Check your connection and press \u201CSign the petition\u201D again.',
      failed: 'Something went wrong. Please try again in a moment.',
      oneError: 'One field needs another look.',
      errors: '{n} fields need another look.',
      loadFailed: 'This petition could not be loaded.',
      closed: 'This petition is no longer collecting signatures.',
      share: 'Ask your friends to sign', shareText: 'Every signature your link brings counts toward this petition.',
      copy: 'Copy link', copied: 'Link copied', mail: 'Email', more: 'Share\u2026',
      shareMessage: 'I signed \u201C{title}\u201D. Will you sign too?', shareSubject: 'Will you sign \u201C{title}\u201D?',
      won: 'This petition won. Thank you to everyone who signed.',
      updates: 'Updates', responded: '{who} responded on {date}:',
      codes: {}
    },
    es: {
      locale: 'es-US',
      to: 'Para: {targets}',
      progress: '{count} de {next} firmas',
      progressLabel: 'Firmas hasta ahora, hacia la pr\u00F3xima meta',
      letter: 'Leer la carta',
      firstName: 'Nombre', lastName: 'Apellido', email: 'Correo electr\u00F3nico', postalCode: 'C\u00F3digo postal (ZIP)',
      state: 'Estado', choose: 'Elige\u2026', city: 'Ciudad', comment: 'Comentario', optional: 'opcional',
      optIn: 'Quiero recibir novedades de esta campa\u00F1a por correo',
      private: 'Cuenten mi firma, pero no env\u00EDen mi nombre al destinatario',
      privateChosen: 'Como pediste, tu nombre, tu ciudad y tu comentario no se enviar\u00E1n al destinatario.',
      honeypot: 'Deja este campo vac\u00EDo',
      submit: 'Firmar la petici\u00F3n', sending: 'Enviando\u2026', counting: 'Contando tu firma\u2026',
      counted: 'Gracias, eres la persona firmante n.\u00BA {n}',
      countedAgain: 'Gracias, tu firma est\u00E1 contada',
      counting2: '\u00A1Gracias! Estamos contando tu firma.',
      duplicate: 'Ya firmaste esta petici\u00F3n',
      duplicateText: 'Contamos a cada persona una sola vez, y tu firma anterior ya est\u00E1 contada.',
      rejected: 'Tu firma no fue contada.',
      poisoned: 'No pudimos contar tu firma por un problema de nuestra parte. Int\u00E9ntalo m\u00E1s tarde.',
      network: 'No pudimos conectar con la petici\u00F3n. Revisa tu conexi\u00F3n y pulsa \u00ABFirmar la petici\u00F3n\u00BB otra vez.',
      failed: 'Algo sali\u00F3 mal. Int\u00E9ntalo de nuevo en un momento.',
      oneError: 'Un campo necesita revisi\u00F3n.',
      errors: '{n} campos necesitan revisi\u00F3n.',
      loadFailed: 'No se pudo cargar esta petici\u00F3n.',
      closed: 'Esta petici\u00F3n ya no recoge firmas.',
      share: 'Pide a tus amistades que firmen', shareText: 'Cada firma que llegue por tu enlace suma para esta petici\u00F3n.',
      copy: 'Copiar enlace', copied: 'Enlace copiado', mail: 'Correo', more: 'Compartir\u2026',
      shareMessage: 'Firm\u00E9 \u00AB{title}\u00BB. \u00BFFirmas t\u00FA tambi\u00E9n?', shareSubject: '\u00BFFirmar\u00EDas \u00AB{title}\u00BB?',
      won: 'Esta petici\u00F3n gan\u00F3. Gracias a todas las personas que firmaron.',
      updates: 'Novedades', responded: '{who} respondi\u00F3 el {date}:',
      codes: {
        name_required: 'Escribe tu {label}.',
        name_too_long: 'Tu {label} es demasiado largo.',
        name_contains_url: 'Tu {label} no puede contener una direcci\u00F3n web.',
        name_contains_markup: 'Tu {label} no puede contener < ni >.',
        name_formula_prefix: 'Tu {label} no puede empezar con =, +, -, @ ni s\u00EDmbolos parecidos.',
        name_invalid_characters: 'Tu {label} contiene caracteres no v\u00E1lidos.',
        email_required: 'Escribe tu correo electr\u00F3nico.',
        email_invalid: 'Escribe un correo v\u00E1lido, como nombre@ejemplo.com.',
        postal_code_required: 'Escribe tu c\u00F3digo postal.',
        postal_code_invalid: 'Escribe un c\u00F3digo postal de 5 d\u00EDgitos, o ZIP+4 como 10001-1234.',
        postal_code_state_mismatch: 'Ese c\u00F3digo postal no corresponde al estado. Revisa ambos.',
        state_required: 'Elige tu estado.',
        state_invalid: 'Elige un estado o territorio de la lista.',
        country_unsupported: 'Solo pueden firmar personas con direcci\u00F3n en EE. UU.',
        city_too_long: 'El nombre de la ciudad es demasiado largo.',
        city_invalid: 'Escribe el nombre de la ciudad solo con letras.',
        comment_too_long: 'Tu comentario es demasiado largo.',
        comment_invalid_characters: 'Tu comentario contiene caracteres que no se pueden mostrar.',
        petition_not_found: 'Esta petici\u00F3n no existe. Revisa el enlace.',
        petition_closed: 'Esta petici\u00F3n ya no recoge firmas.',
        source_invalid: 'El c\u00F3digo de origen solo admite letras, n\u00FAmeros, \'-\', \'_\' y \'.\', hasta 64 caracteres.',
        referrer_invalid: 'El c\u00F3digo de quien te invit\u00F3 no es v\u00E1lido; copia el enlace completo.',
        temporarily_unavailable: 'No pudimos registrar tu firma ahora. No se guard\u00F3 nada; int\u00E9ntalo de nuevo en un momento.'
      }
    }
  };
  var wanted = (script.getAttribute('data-lang') || document.documentElement.lang || 'en').slice(0, 2).toLowerCase();
  var lang = STRINGS[wanted] ? wanted : 'en';
  var t = STRINGS[lang];
  var number = new Intl.NumberFormat(t.locale);

  function fmt(s, values) {
    return s.replace(/\{(\w+)\}/g, function (m, k) { return values[k] != null ? values[k] : m; });
  }
  function say(code, fallback, values) {
    return t.codes[code] ? fmt(t.codes[code], values || {}) : fallback;
  }
  // Text only ever enters the DOM through append()/textContent, so petition titles and letters cannot inject markup.
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    for (var k in attrs) if (attrs[k] != null && attrs[k] !== false) el.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    (kids || []).forEach(function (kid) { if (kid != null) el.append(kid); });
    return el;
  }
  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function next(count, goal) {
    var best = goal > count ? goal : Infinity;
    for (var d = 100; ; d *= 10) {
      var steps = [d, d * 2.5, d * 5];
      for (var i = 0; i < 3; i++) if (steps[i] > count) return Math.min(steps[i], best);
    }
  }

  // Where the visitor came from, read from this page's address: a campaign's source and utm values, and the referral
  // code of a signer who shared the link. Only values that pass the server's rules are sent, so a mangled link never
  // costs a visitor their signature; an unknown referral code is dropped by the server.
  var TRACKED = { source: 'source', utm_source: 'utm_source', utm_medium: 'utm_medium', utm_campaign: 'utm_campaign', ref: 'referrer', referrer: 'referrer' };
  var here = new URL(location.href), from = {};
  Object.keys(TRACKED).forEach(function (k) {
    var v = (here.searchParams.get(k) || '').normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '-');
    if (TRACKED[k] === 'referrer' ? /^[a-z2-7]{16}$/.test(v) : /^[a-z0-9][a-z0-9._-]{0,63}$/.test(v)) from[TRACKED[k]] = v;
  });
  // Shared links point to this page without its own tracking values (each share link brings its own), or to data-share-url.
  var sharePage = new URL(script.getAttribute('data-share-url') || location.href, location.href);
  sharePage.hash = '';
  Object.keys(TRACKED).forEach(function (k) { sharePage.searchParams.delete(k); });

  var CSS =
    ':host{all:initial!important;display:block!important;visibility:visible!important;opacity:1!important}' +
    '.sp{box-sizing:border-box;max-width:560px;margin:0;padding:20px;border:1px solid #c4c4c4;border-radius:8px;background:#fff;' +
    'color:#1b1b1b;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;text-align:left}' +
    '.sp *,.sp *::before,.sp *::after{box-sizing:border-box}' +
    '[hidden]{display:none!important}' +
    'h2{font-size:1.3em;line-height:1.25;margin:0 0 6px}h3{font-size:1.15em;margin:0 0 6px}p{margin:0}' +
    '.to{color:#4a4a4a;font-size:.9em;margin-bottom:2px}' +
    '.track{height:10px;background:#e3e3e3;border-radius:5px;overflow:hidden;margin:12px 0 4px}' +
    '.fill{height:100%;width:0;background:#0b57d0;transition:width .6s}' +
    '.count{font-size:.95em;color:#4a4a4a}.count b{color:#1b1b1b}' +
    'details{margin:12px 0 4px}summary{cursor:pointer;color:#0b57d0;font-weight:600}' +
    '.letter{white-space:pre-line;max-height:260px;overflow:auto;margin-top:8px;padding:10px;background:#f5f5f5;border-radius:6px;font-size:.95em}' +
    'form{margin-top:14px}' +
    '.row{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:0 12px}' +
    '.f{margin-bottom:12px}label{display:block;font-weight:600;margin-bottom:3px}.opt{font-weight:400;color:#4a4a4a}' +
    'input,select,textarea{display:block;width:100%;font:inherit;color:#1b1b1b;background:#fff;border:1px solid #767676;border-radius:6px;padding:8px 10px;margin:0}' +
    'textarea{min-height:72px;resize:vertical}' +
    '[aria-invalid=true]{border:2px solid #b3261e}' +
    '.err{color:#b3261e;font-size:.9em;margin-top:3px;font-weight:600}' +
    '.check{display:flex;gap:10px;align-items:flex-start;font-weight:400;margin:4px 0 14px}.check input{width:20px;height:20px;margin-top:2px;flex:none}' +
    '.hp{position:absolute!important;left:-10000px!important;width:1px;height:1px;overflow:hidden}' +
    'button{display:block;width:100%;font:inherit;font-weight:700;color:#fff;background:#0b57d0;border:0;border-radius:6px;padding:12px;cursor:pointer}' +
    'button:hover{background:#0842a0}button:disabled{background:#5f6f8a;cursor:progress}' +
    ':focus-visible{outline:3px solid #0b57d0;outline-offset:2px}' +
    '.msg{color:#b3261e;font-weight:600;margin-bottom:10px}.msg:empty{margin:0}' +
    '.done{margin-top:14px;padding:14px;border-radius:6px;background:#e7f5ea;border:1px solid #2e7d32}.done:focus{outline:3px solid #2e7d32}' +
    '.share{margin-top:12px}.links{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}' +
    '.links a,.links button{display:inline-block;width:auto;font:inherit;font-weight:600;font-size:.95em;padding:6px 12px;border-radius:6px;' +
    'border:1px solid #0b57d0;background:#fff;color:#0b57d0;text-decoration:none;cursor:pointer}';

  var host = h('div', { 'data-signaturepipeline': petitionId });
  var parent = script.parentNode && script.parentNode !== document.head ? script.parentNode : document.body;
  parent.insertBefore(host, parent === script.parentNode ? script : null);
  var root = host.attachShadow({ mode: 'open' });
  var style = h('style');
  style.textContent = CSS;

  var to = h('p', { class: 'to' });
  var title = h('h2', {});
  var fill = h('div', { class: 'fill' });
  var bar = h('div', { class: 'track', role: 'progressbar', 'aria-label': t.progressLabel, 'aria-valuemin': '0' }, [fill]);
  var count = h('p', { class: 'count' });
  var progress = h('div', { hidden: true }, [bar, count]);
  var letter = h('div', { class: 'letter' });
  var details = h('details', { hidden: true }, [h('summary', {}, [t.letter]), letter]);
  // The organizers' updates and the target's response, as the petition JSON gives them: text only, never markup.
  var news = h('div', { class: 'news', hidden: true });

  var inputs = {}, errorsOf = {};
  function field(name, control, optional) {
    var err = h('p', { class: 'err', id: 'err-' + name, hidden: true });
    control.id = 'f-' + name;
    control.name = name;
    if (!optional) control.setAttribute('aria-required', 'true');
    inputs[name] = control;
    errorsOf[name] = err;
    return h('div', { class: 'f' }, [
      h('label', { for: control.id }, [t[name], optional ? h('span', { class: 'opt' }, [' (' + t.optional + ')']) : null]),
      control, err
    ]);
  }
  function input(type, autocomplete, extra) {
    var el = h('input', { type: type, autocomplete: autocomplete });
    for (var k in extra) el.setAttribute(k, extra[k]);
    return el;
  }
  var state = h('select', { autocomplete: 'address-level1' }, [h('option', { value: '' }, [t.choose])]);
  STATES.forEach(function (s) { state.append(h('option', { value: s[0] }, [s[1]])); });
  var optIn = h('input', { type: 'checkbox', id: 'f-optIn', name: 'optIn' });
  var priv = h('input', { type: 'checkbox', id: 'f-private', name: 'private' });
  var honeypot = h('input', { type: 'text', id: 'f-website', name: 'website', tabindex: '-1', autocomplete: 'off' });
  var message = h('p', { class: 'msg', role: 'alert', 'aria-live': 'assertive' });
  var button = h('button', { type: 'submit' }, [t.submit]);
  var form = h('form', { novalidate: true, 'aria-label': t.submit }, [
    h('div', { class: 'row' }, [
      field('firstName', input('text', 'given-name', { maxlength: '100' })),
      field('lastName', input('text', 'family-name', { maxlength: '100' }))
    ]),
    field('email', input('email', 'email', { inputmode: 'email', spellcheck: 'false' })),
    h('div', { class: 'row' }, [
      field('postalCode', input('text', 'postal-code', { inputmode: 'numeric', maxlength: '10' })),
      field('state', state)
    ]),
    field('city', input('text', 'address-level2', { maxlength: '100' }), true),
    field('comment', h('textarea', { rows: '3', maxlength: '1000' }), true),
    h('div', { class: 'hp', 'aria-hidden': 'true' }, [h('label', { for: 'f-website' }, [t.honeypot]), honeypot]),
    h('label', { class: 'check', for: 'f-optIn' }, [optIn, h('span', {}, [t.optIn])]),
    h('label', { class: 'check', for: 'f-private' }, [priv, h('span', {}, [t.private])]),
    message,
    button
  ]);
  var done = h('div', { class: 'done', tabindex: '-1', hidden: true });
  var status = h('p', { class: 'hp', 'aria-live': 'polite' });
  root.append(style, h('div', { class: 'sp', lang: lang }, [to, title, progress, details, news, form, done, status]));

  function show(petition, atLeast) {
    title.textContent = petition.title;
    to.textContent = fmt(t.to, { targets: (petition.targets || []).map(function (x) { return x.name; }).join(', ') });
    var n = Math.max(petition.signatureCount || 0, atLeast || 0), goal = next(n, petition.goal || 0);
    var values = { count: number.format(n), next: number.format(goal) }, text = fmt(t.progress, values);
    var around = t.progress.split('{count}');
    count.textContent = '';
    count.append(fmt(around[0], values), h('b', {}, [values.count]), fmt(around[1] || '', values));
    bar.setAttribute('aria-valuemax', goal);
    bar.setAttribute('aria-valuenow', n);
    bar.setAttribute('aria-valuetext', text);
    fill.style.width = Math.min(100, n / goal * 100) + '%';
    progress.hidden = false;
    letter.textContent = petition.letter || '';
    details.hidden = !petition.letter;
    showNews(petition);
    if (petition.status && petition.status !== 'open') {
      finish(h('p', {}, [petition.status === 'won' ? t.won : t.closed]), false);
    }
  }
  function showNews(petition) {
    var es = lang === 'es', day = function (iso) { return new Date(iso).toLocaleDateString(t.locale, { timeZone: 'UTC' }); };
    var updates = petition.updates || [], response = petition.response;
    news.textContent = '';
    news.hidden = !updates.length && !response;
    if (news.hidden) return;
    news.append(h('b', {}, [t.updates]));
    if (response) news.append(h('p', {}, [fmt(t.responded, { who: response.responder, date: day(response.respondedAt) })]),
      h('p', { class: 'letter' }, [es && response.textEs || response.text]));
    news.append(h('ul', {}, updates.slice(0, 5).map(function (u) {
      return h('li', {}, [day(u.publishedAt) + ': ' + (es && u.subjectEs || u.subject)]);
    })));
  }
  // After the signer's own signature: past the browser's copy (revalidated by its ETag), and never below their
  // supporter number, since the server's count may be up to a second older than their signature.
  function load(atLeast) {
    return fetch(new URL('petitions/' + encodeURIComponent(petitionId), api), { credentials: 'omit', cache: atLeast ? 'no-cache' : 'default' })
      .then(function (r) { if (!r.ok) throw r; return r.json(); })
      .then(function (petition) { show(petition, atLeast); }, function (failure) {
        if (!title.textContent) title.textContent = t.loadFailed;
        // No such petition: a form that can only fail would waste the signer's time. A network error may pass.
        if (failure && failure.status === 404) form.hidden = true;
      });
  }

  function clearErrors() {
    message.textContent = '';
    for (var name in errorsOf) {
      errorsOf[name].hidden = true;
      errorsOf[name].textContent = '';
      inputs[name].removeAttribute('aria-invalid');
      inputs[name].removeAttribute('aria-describedby');
    }
  }
  function showErrors(errors, summary) {
    var first = null, loose = [];
    errors.forEach(function (e) {
      var text = say(e.code, e.message, { label: (t[e.field] || '').toLowerCase() });
      var err = errorsOf[e.field];
      if (!err) { loose.push(text); return; }
      err.textContent = err.textContent ? err.textContent + ' ' + text : text;
      err.hidden = false;
      inputs[e.field].setAttribute('aria-invalid', 'true');
      inputs[e.field].setAttribute('aria-describedby', err.id);
    });
    for (var name in inputs) if (!first && inputs[name].getAttribute('aria-invalid')) first = inputs[name];
    var shown = errors.length - loose.length;
    message.textContent = [summary || (shown === 1 ? t.oneError : shown > 1 ? fmt(t.errors, { n: shown }) : '')].concat(loose).join(' ');
    (first || button).focus();
  }
  // Where the signature counts or may, the signer sees their choice not to be named kept; a duplicate's earlier one made none.
  function kept(heading) {
    return priv.checked ? h('div', {}, [heading, h('p', {}, [t.privateChosen])]) : heading;
  }
  function finish(content, focus) {
    done.textContent = '';
    done.append(content);
    done.hidden = false;
    form.hidden = true;
    // Moving focus is right after the signer acted, never on load: it would yank the host page's reader away.
    if (focus !== false) done.focus();
  }

  var busy = false;
  function setBusy(on, label) {
    busy = on;
    button.disabled = on;
    button.textContent = label || t.submit;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    setBusy(true, t.sending);
    // The language travels with the signature, so the confirmation email and its pages match the widget.
    var body = { optIn: optIn.checked, private: priv.checked, website: honeypot.value, lang: lang };
    for (var k in from) body[k] = from[k];
    ['firstName', 'lastName', 'email', 'postalCode', 'state', 'city', 'comment'].forEach(function (k) { body[k] = inputs[k].value; });
    var retried = false;
    var url = new URL('petitions/' + encodeURIComponent(petitionId) + '/signatures', api);
    function post() {
      return fetch(url, {
        method: 'POST', credentials: 'omit',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body)
      }).catch(function (e) {
        // A rejected fetch means no response arrived, so the signature may never have been sent: try once more.
        if (retried) throw e;
        retried = true;
        return wait(1000).then(post);
      });
    }
    post().then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 202 && data.statusUrl) {
          setBusy(true, t.counting);
          status.textContent = t.counting;
          referralCode = data.referralCode;
          return follow(data.statusUrl, Date.now(), 500, retried);
        }
        setBusy(false);
        if (data.errors && data.errors.length) showErrors(data.errors, data.code === 'validation_failed' ? null : say(data.code, data.detail));
        else { message.textContent = say(data.code, data.detail || t.failed); button.focus(); }
      });
    }, function () {
      setBusy(false);
      message.textContent = t.network;
      button.focus();
    });
  });

  function follow(url, started, delay, retried) {
    return fetch(url, { credentials: 'omit', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : { status: 'pending' }; }, function () { return { status: 'pending' }; })
      .then(function (receipt) {
        if (receipt.status === 'pending' && Date.now() - started < 30000)
          return wait(delay).then(function () { return follow(url, started, Math.min(delay * 1.5, 3000), retried); });
        outcome(receipt, retried);
      });
  }
  // The share step: plain links to each service's own share page (no script of theirs), the browser's native share
  // where it exists, and a copy button. Each link carries the signer's code and its channel.
  var referralCode = null;
  function shareLink(channel) {
    var u = new URL(sharePage.href);
    u.searchParams.set('ref', referralCode);
    u.searchParams.set('source', 'share-' + channel);
    return u.href;
  }
  function shareStep() {
    if (!referralCode) return null;
    var e = encodeURIComponent, text = fmt(t.shareMessage, { title: title.textContent }), links = h('div', { class: 'links' });
    function a(channel, label, href) { links.append(h('a', { href: href, target: '_blank', rel: 'noopener noreferrer', 'data-channel': channel }, [label])); }
    function b(label, act) { var el = h('button', { type: 'button' }, [label]); el.addEventListener('click', function () { act(el); }); links.append(el); }
    if (navigator.share) b(t.more, function () { navigator.share({ title: title.textContent, text: text, url: shareLink('native') }).catch(function () {}); });
    b(t.copy, function (el) {
      var done = function () { el.textContent = t.copied; status.textContent = t.copied; };
      if (navigator.clipboard) navigator.clipboard.writeText(shareLink('link')).then(done, function () {}); else done();
    });
    a('email', t.mail, 'mailto:?subject=' + e(fmt(t.shareSubject, { title: title.textContent })) + '&body=' + e(text + '\n\n' + shareLink('email')));
    a('whatsapp', 'WhatsApp', 'https://wa.me/?text=' + e(text + ' ' + shareLink('whatsapp')));
    a('x', 'X', 'https://x.com/intent/tweet?text=' + e(text) + '&url=' + e(shareLink('x')));
    a('facebook', 'Facebook', 'https://www.facebook.com/sharer/sharer.php?u=' + e(shareLink('facebook')));
    return h('div', { class: 'share' }, [h('h3', {}, [t.share]), h('p', {}, [t.shareText]), links]);
  }

  function outcome(receipt, retried) {
    setBusy(false);
    status.textContent = '';
    if (receipt.status === 'counted') {
      finish(h('div', {}, [kept(h('h3', {}, [fmt(t.counted, { n: number.format(receipt.supporterNumber) })])), shareStep()]));
      load(receipt.supporterNumber || 1);
    } else if (receipt.status === 'duplicate' && retried) {
      // After a retry the "earlier" signature is most likely this signer's own first attempt.
      finish(h('div', {}, [kept(h('h3', {}, [t.countedAgain])), shareStep()]));
    } else if (receipt.status === 'duplicate') {
      finish(h('div', {}, [h('h3', {}, [t.duplicate]), h('p', {}, [t.duplicateText]), shareStep()]));
    } else if (receipt.status === 'rejected') {
      showErrors([{ field: receipt.field, code: receipt.reason, message: receipt.message || '' }], t.rejected);
    } else if (receipt.status === 'poisoned') {
      message.textContent = t.poisoned;
      button.focus();
    } else {
      finish(h('div', {}, [kept(h('h3', {}, [t.counting2])), shareStep()]));
    }
  }

  load();
})();
