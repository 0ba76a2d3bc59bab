// qoltanba verification page: reads the chosen files, calls POST /v1/verify and shows the verdict.
// Plain JavaScript, no dependencies; every text comes from /assets/i18n.json (kk, ru, en).
'use strict';

(() => {
  const LANGS = ['kk', 'ru', 'en'];
  const LANG_KEY = 'qoltanba.lang';
  const TEXT_LIMIT = 100000;
  const STATUSES = ['valid', 'invalid', 'indeterminate'];
  const ICONS = { valid: '✓', invalid: '✗', indeterminate: '?', usage_error: '!' };

  let texts = { en: {} };
  let lang = 'en';
  const files = { sig: null, data: null };
  // What is on screen, kept so that a language switch redraws it.
  let shown = null;
  /** The last request sent and what the page shows of its content, to ask again in another
   * language: the service writes the verdict's message and check details in the language asked. */
  let lastCall = null;
  let formError = null;
  let blobUrls = [];

  const $ = (id) => document.getElementById(id);

  // ---------- translations ----------

  function t(key, vars) {
    const table = texts[lang] || {};
    let s = table[key] ?? (texts.en || {})[key] ?? key;
    if (vars) {
      for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
    }
    return s;
  }

  function has(key) {
    return Boolean((texts[lang] || {})[key] ?? (texts.en || {})[key]);
  }

  function browserLang() {
    const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (const tag of wanted) {
      const base = String(tag).toLowerCase().split('-')[0];
      if (base === 'kz') return 'kk';
      if (LANGS.includes(base)) return base;
    }
    return 'en';
  }

  function storedLang() {
    try {
      const v = localStorage.getItem(LANG_KEY);
      return LANGS.includes(v) ? v : null;
    } catch (_) {
      return null;
    }
  }

  function setLang(next, persist) {
    lang = LANGS.includes(next) ? next : 'en';
    if (persist) {
      try { localStorage.setItem(LANG_KEY, lang); } catch (_) { /* private mode: not kept */ }
    }
    document.documentElement.lang = lang;
    document.title = t('page_title');
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
    $('langs').setAttribute('aria-label', t('lang_nav'));
    for (const b of document.querySelectorAll('#langs button')) {
      b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    }
    updateIdState(false);
    showFileName('sig');
    showFileName('data');
    if (formError) showFormError(formError.key, formError.vars);
    if (shown) render(shown);
    if ($('verify').disabled) $('verify').textContent = t('verifying');
  }

  // ---------- IIN / BIN ----------

  /** 12 digits and the control digit of CONTRACT.md §2. */
  function idIsValid(id) {
    if (!/^\d{12}$/.test(id)) return false;
    const d = Array.from(id, Number);
    let sum = 0;
    for (let i = 0; i < 11; i++) sum += d[i] * (i + 1);
    let control = sum % 11;
    if (control === 10) {
      const w = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
      sum = 0;
      for (let i = 0; i < 11; i++) sum += d[i] * w[i];
      control = sum % 11;
      if (control === 10) return false;
    }
    return control === d[11];
  }

  function idState() {
    const v = $('expected-id').value.replace(/\s+/g, '');
    if (v === '') return { state: 'empty', key: 'id_hint' };
    if (!/^\d+$/.test(v)) return { state: 'bad', key: 'id_digits_only' };
    if (v.length < 12) return { state: 'partial', key: 'id_count', vars: { n: v.length } };
    if (v.length > 12) return { state: 'bad', key: 'id_too_long' };
    return idIsValid(v) ? { state: 'ok', key: 'id_ok' } : { state: 'bad', key: 'id_bad_check' };
  }

  function updateIdState(announce) {
    const s = idState();
    const node = $('id-state');
    const before = node.dataset.state;
    node.dataset.state = s.state;
    node.textContent = t(s.key, s.vars);
    const input = $('expected-id');
    if (s.state === 'bad') input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    // Speak only the outcome (not every digit count).
    if (announce && before !== s.state && (s.state === 'bad' || s.state === 'ok')) {
      $('id-live').textContent = t(s.key, s.vars);
    } else if (s.state !== 'bad' && s.state !== 'ok') {
      $('id-live').textContent = '';
    }
    return s;
  }

  // ---------- files ----------

  function showFileName(kind) {
    const f = files[kind];
    const name = $(kind + '-name');
    const drop = $(kind + '-drop');
    name.textContent = f ? f.name + ' · ' + t('bytes', { n: f.bytes.length.toLocaleString(lang) }) : '';
    drop.classList.toggle('has-file', Boolean(f));
    $(kind + '-prompt').textContent = t(f ? 'drop_change' : 'drop_prompt');
  }

  async function takeFile(kind, file) {
    if (!file) {
      files[kind] = null;
      showFileName(kind);
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      files[kind] = { name: file.name, bytes };
      clearFormError();
    } catch (_) {
      files[kind] = null;
      showFormError('err_read');
    }
    showFileName(kind);
  }

  function wireDrop(kind) {
    const drop = $(kind + '-drop');
    const input = $(kind + '-file');
    input.addEventListener('change', () => takeFile(kind, input.files[0]));
    const over = (e) => {
      e.preventDefault();
      e.stopPropagation();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      drop.classList.add('dragging');
    };
    drop.addEventListener('dragenter', over);
    drop.addEventListener('dragover', over);
    drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      e.stopPropagation();
      drop.classList.remove('dragging');
      const list = e.dataTransfer && e.dataTransfer.files;
      if (list && list.length) {
        try { input.files = list; } catch (_) { /* older browsers: the state below is enough */ }
        takeFile(kind, list[0]);
      }
    });
  }

  // ---------- bytes ----------

  function toBase64(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }

  /** The DER of a signature given as DER, PEM or base64 text; null when it is none of them. */
  function toDer(bytes) {
    if (bytes.length && bytes[0] === 0x30) return bytes;
    let text = '';
    for (let i = 0; i < bytes.length && i < 64 * 1024 * 1024; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    const pem = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(text);
    if (pem) text = pem[1];
    text = text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+=*$/.test(text)) return null;
    try {
      const raw = atob(text);
      const out = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
      return out.length && out[0] === 0x30 ? out : null;
    } catch (_) {
      return null;
    }
  }

  // A DER reader just deep enough to find the encapsulated content of a SignedData:
  // ContentInfo ::= SEQUENCE { OID signedData, [0] SignedData }
  // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo SEQUENCE { OID, [0] OCTET STRING }, ... }
  function tlv(b, off, end) {
    if (off + 2 > end) throw new Error('short');
    const tag = b[off];
    if ((tag & 0x1f) === 0x1f) throw new Error('tag');
    let len = b[off + 1];
    let p = off + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || p + n > end) throw new Error('length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p++];
    }
    if (p + len > end) throw new Error('overrun');
    return { tag, start: p, end: p + len };
  }

  function kids(b, node) {
    const out = [];
    for (let p = node.start; p < node.end;) {
      const k = tlv(b, p, node.end);
      out.push(k);
      p = k.end;
    }
    return out;
  }

  const SIGNED_DATA_OID = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

  /** The eContent bytes; null when the signature is detached; undefined when it cannot be read. */
  function signedContent(der) {
    try {
      const ci = tlv(der, 0, der.length);
      if (ci.tag !== 0x30) return undefined;
      const [oid, wrapped] = kids(der, ci);
      if (!oid || oid.tag !== 0x06 || !wrapped || wrapped.tag !== 0xa0) return undefined;
      const o = der.subarray(oid.start, oid.end);
      if (o.length !== SIGNED_DATA_OID.length || SIGNED_DATA_OID.some((x, i) => o[i] !== x)) return undefined;
      const sd = kids(der, wrapped)[0];
      if (!sd || sd.tag !== 0x30) return undefined;
      const eci = kids(der, sd)[2];
      if (!eci || eci.tag !== 0x30) return undefined;
      const parts = kids(der, eci);
      if (parts.length < 2) return null;
      if (parts[1].tag !== 0xa0) return undefined;
      const octets = kids(der, parts[1])[0];
      if (!octets || octets.tag !== 0x04) return undefined;
      return der.subarray(octets.start, octets.end);
    } catch (_) {
      return undefined;
    }
  }

  /** Text (pretty-printed when JSON) when the bytes are UTF-8 text, else null. */
  function asText(bytes) {
    let s;
    try {
      s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (_) {
      return null;
    }
    if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(s)) return null;
    const trimmed = s.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
      } catch (_) { /* not JSON: shown as it is */ }
    }
    return { text: s, json: false };
  }

  // ---------- DOM helpers ----------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const orNone = (v) => (v === null || v === undefined || v === '' ? el('span', { class: 'none' }, t('none')) : v);
  const when = (v) => (v ? String(v).replace('T', ' ').replace(/Z$/, ' UTC') : null);

  function facts(rows) {
    const dl = el('dl', { class: 'facts' });
    for (const [label, value, cls] of rows) {
      dl.append(el('dt', null, label), el('dd', { class: cls || null }, orNone(value)));
    }
    return dl;
  }

  function pill(result) {
    const r = ['pass', 'fail', 'unknown'].includes(result) ? result : 'unknown';
    return el('span', { class: 'pill ' + r }, t('result_' + r));
  }

  function panel(titleKey, id, wide, ...body) {
    return el('section', { class: 'panel' + (wide ? ' wide' : ''), id, 'aria-labelledby': id + '-h' },
      el('h3', { id: id + '-h' }, t(titleKey)), ...body);
  }

  function table(id, columns, rows, stack) {
    const head = el('tr', null, columns.map((c) => el('th', { scope: 'col' }, c)));
    const body = rows.map((r) => el('tr', { class: r.cls || null },
      r.cells.map((c, i) => el('td', { 'data-label': columns[i] }, orNone(c)))));
    return el('div', { class: 'table-wrap' },
      el('table', { id, class: stack ? 'stack' : null }, el('thead', null, head), el('tbody', null, body)));
  }

  // ---------- rendering ----------

  function showFormError(key, vars) {
    formError = { key, vars };
    const box = $('form-error');
    box.textContent = t(key, vars);
    box.hidden = false;
  }

  function clearFormError() {
    formError = null;
    $('form-error').hidden = true;
    $('form-error').textContent = '';
  }

  function freeBlobs() {
    for (const u of blobUrls) URL.revokeObjectURL(u);
    blobUrls = [];
  }

  function banner(status, reasonText, code, message) {
    const box = $('verdict');
    box.className = 'verdict ' + status;
    box.dataset.status = status;
    $('verdict-icon').textContent = ICONS[status] || '!';
    $('verdict-title').textContent = t('status_' + status);
    $('verdict-reason').textContent = reasonText;
    $('verdict-code').textContent = code ? t('reason_code', { code }) : '';
    $('verdict-message').textContent = message ? t('service_message', { message }) : '';
  }

  function render(what) {
    shown = what;
    freeBlobs();
    const details = $('details');
    details.replaceChildren();
    if (what.kind === 'usage') {
      const e = what.error;
      const key = has('usage_' + e.reason) ? 'usage_' + e.reason : 'usage_other';
      banner('usage_error', t(key), e.reason, e.message);
    } else {
      const v = what.verdict;
      const reasonText = v.status === 'valid' ? t('verdict_valid')
        : (v.reason && has('reason_' + v.reason) ? t('reason_' + v.reason) : '');
      banner(v.status, reasonText, v.reason, v.status === 'valid' ? null : v.message);
      details.append(...verdictDetails(v, what.content));
    }
    $('result').hidden = false;
  }

  function certChecks(v, check) {
    const subject = v.signer && v.signer.subject;
    return (v.checks || []).filter((c) => c.check === check && (!subject || c.certificate === subject)
      && (c.signer === null || c.signer === undefined || c.signer === 1));
  }

  function worst(checks) {
    if (!checks.length) return null;
    if (checks.some((c) => c.result === 'fail')) return 'fail';
    if (checks.some((c) => c.result === 'unknown')) return 'unknown';
    return 'pass';
  }

  function verdictDetails(v, content) {
    const out = [];
    const s = v.signer;
    const multi = (v.signers || []).length > 1;
    const grid = el('div', { class: 'panels' });

    if (s) {
      const name = s.common_name || [s.surname, s.given_name].filter(Boolean).join(' ') || s.subject;
      grid.append(panel('sec_signer', 'signer', false, facts([
        [t('f_name'), name],
        [t('f_iin'), s.iin, 'mono'],
        [t('f_bin'), s.bin, 'mono'],
        [t('f_organization'), s.organization],
        [t('f_role'), s.role ? (has('role_' + s.role) ? t('role_' + s.role) : s.role) : t('role_none')],
      ])));
      const period = worst(certChecks(v, 'validity'));
      grid.append(panel('sec_certificate', 'certificate', false, facts([
        [t('f_not_before'), when(s.not_before)],
        [t('f_not_after'), when(s.not_after)],
        [t('f_period_state'), period ? el('span', null, pill(period), ' ', t(period === 'pass' ? 'period_ok' : 'period_bad')) : null],
        [t('f_serial'), s.serial, 'mono'],
        [t('f_issuer'), s.issuer],
        [t('f_key_usage'), (s.key_usage || []).join(', ')],
      ])));
    }

    // The first signer's basis and time-stamp (every signer's are in the signers table).
    const first = (v.signers || [])[0];
    grid.append(panel('sec_time', 'times', !s, facts([
      [t('f_at'), when(v.at)],
      [t('f_signing_time'), when(v.signing_time)],
      [t('f_time_basis'), first ? timeBasis(first, 'time-basis') : null],
      [t('f_timestamp'), first ? timestampText(first.timestamp, 'timestamp-state') : t('no_timestamp')],
    ])));

    if ((v.evidence && v.evidence.chain || []).length) {
      grid.append(panel('sec_chain', 'chain', false,
        el('ol', null, v.evidence.chain.map((subject) => el('li', null, subject)))));
    }

    if (s || (v.evidence && (v.evidence.crls.length || (v.evidence.ocsp || []).length))) {
      const rev = certChecks(v, 'revocation');
      const state = worst(rev);
      const crls = (v.evidence && v.evidence.crls) || [];
      const ocsp = (v.evidence && v.evidence.ocsp) || [];
      grid.append(panel('sec_revocation', 'revocation', true,
        el('p', { id: 'revocation-state' }, state ? pill(state) : null, ' ',
          state ? t(state === 'pass' ? 'rev_pass' : state === 'fail' ? 'rev_fail' : 'rev_unknown') : '',
          rev.length ? el('span', { class: 'mono' }, ' — ' + rev.map((c) => c.detail).join('; ')) : null),
        crls.length
          ? table('crls', [t('crl_issuer'), t('crl_number'), t('crl_this_update'), t('crl_next_update'), t('crl_kind'), 'SHA-256'],
            crls.map((c) => ({ cells: [c.issuer, c.number, when(c.this_update), when(c.next_update),
              t(c.delta ? 'crl_delta' : 'crl_full'), el('span', { class: 'mono hash' }, c.sha256)] })), true)
          : (ocsp.length ? null : el('p', { class: 'none' }, t('rev_none'))),
        ocsp.length
          ? table('ocsp', [t('ocsp_responder'), t('ocsp_status'), t('ocsp_produced_at'), t('crl_this_update'), t('crl_next_update'), 'SHA-256'],
            ocsp.map((o) => ({ cells: [o.url ? o.responder + ' (' + o.url + ')' : o.responder, t('ocsp_' + o.status),
              when(o.produced_at), when(o.this_update), o.next_update ? when(o.next_update) : '—',
              el('span', { class: 'mono hash' }, o.sha256)] })), true)
          : null));
    }
    out.push(grid);

    if (multi) {
      out.push(panel('sec_signers', 'signers', true, table('signers-table',
        ['#', t('f_name'), t('f_iin') + ' / ' + t('f_bin'), t('col_status'), t('col_reason'),
          t('col_time_basis'), t('col_timestamp')],
        v.signers.map((o) => ({
          cls: o.status === 'valid' ? null : o.status === 'invalid' ? 'fail' : 'unknown',
          cells: [String(o.index), o.signer && (o.signer.common_name || o.signer.subject),
            o.signer && [o.signer.iin, o.signer.bin].filter(Boolean).join(' / '),
            t('status_' + o.status), o.reason ? t('reason_' + o.reason) : null,
            timeBasis(o), timestampText(o.timestamp)],
        })), true)));
    }

    const columns = [t('col_check'), t('col_result'), t('col_detail'), t('col_certificate')];
    if (multi) columns.push(t('col_signer'));
    out.push(panel('sec_checks', 'checks', true, table('checks-table', columns,
      (v.checks || []).map((c) => {
        const cells = [
          el('span', null, has('check_' + c.check) ? t('check_' + c.check) : c.check, ' ', el('code', null, c.check)),
          pill(c.result), c.detail, c.certificate,
        ];
        if (multi) cells.push(c.signer === null || c.signer === undefined ? null : String(c.signer));
        return { cls: c.result === 'pass' ? null : c.result, cells };
      }), true)));

    if (content && v.reason !== 'malformed_signature') out.push(contentPanel(content));
    return out;
  }

  // Which time a signer was judged at: "the time-stamp (genTime) — 2025-05-20 12:00:00 UTC".
  function timeBasis(o, id) {
    if (!o.time_basis) return null;
    const basis = has('basis_' + o.time_basis) ? t('basis_' + o.time_basis) : o.time_basis;
    return el('span', { id: id || null }, basis, ' — ', when(o.time));
  }

  // A signer's time-stamp: verified or not (with the token's reason), genTime, TSA, policy, serial.
  function timestampText(ts, id) {
    if (!ts) return el('span', { id: id || null }, t('no_timestamp'));
    const facts = [ts.gen_time ? when(ts.gen_time) : null, ts.tsa,
      ts.policy ? 'policy ' + ts.policy : null, ts.serial ? 'serial ' + ts.serial : null].filter(Boolean);
    return el('span', { id: id || null, class: 'timestamp' },
      pill(ts.verified ? 'pass' : 'fail'), ' ', t(ts.verified ? 'ts_verified' : 'ts_failed'),
      ts.reason ? ' (' + (has('reason_' + ts.reason) ? t('reason_' + ts.reason) : ts.reason) + ')' : null,
      facts.length ? el('span', { class: 'mono' }, ' — ' + facts.join(' · ')) : null,
      !ts.verified && ts.detail ? el('span', { class: 'detail' }, ' — ' + ts.detail) : null);
  }

  function contentPanel(content) {
    const body = [];
    if (content.bytes) {
      body.push(el('p', { class: 'hint', id: 'content-source' }, t(content.source === 'cms' ? 'content_from_cms' : 'content_from_data')));
      const text = asText(content.bytes);
      const type = text ? (text.json ? 'application/json' : 'text/plain;charset=utf-8') : 'application/octet-stream';
      const url = URL.createObjectURL(new Blob([content.bytes], { type }));
      blobUrls.push(url);
      const fileName = content.name || (text ? (text.json ? 'content.json' : 'content.txt') : 'content.bin');
      if (text) {
        const cut = text.text.length > TEXT_LIMIT;
        body.push(el('pre', { class: 'content', id: 'content-text', tabindex: '0', 'aria-label': t('sec_content') },
          cut ? text.text.slice(0, TEXT_LIMIT) : text.text));
        if (cut) body.push(el('p', { class: 'hint' }, t('content_cut', { n: TEXT_LIMIT.toLocaleString(lang) })));
      } else {
        body.push(el('p', { id: 'content-binary' }, t('content_binary', { size: t('bytes', { n: content.bytes.length.toLocaleString(lang) }) })));
      }
      body.push(el('p', null, el('a', { class: 'button', id: 'content-download', href: url, download: fileName },
        t('download') + ' · ' + fileName)));
    } else {
      body.push(el('p', { class: 'none', id: 'content-source' }, t(content.source === 'absent' ? 'content_absent' : 'content_unreadable')));
    }
    return panel('sec_content', 'content', true, ...body);
  }

  // ---------- the request ----------

  function validationTime() {
    const v = $('at').value.trim();
    if (!v) return { ok: true, value: null };
    // Typed as UTC in one fixed form, whatever the browser's locale: "2026-06-01 12:00:00"
    // (a "T" instead of the space, and no seconds, are accepted too).
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$/.exec(v);
    if (!m) return { ok: false };
    return { ok: true, value: m[1] + 'T' + m[2] + (m[3] || ':00') + 'Z' };
  }

  async function submit(event) {
    event.preventDefault();
    clearFormError();
    let sig = files.sig;
    const pasted = $('sig-text').value.trim();
    if (!sig && pasted) sig = { name: 'pasted', bytes: new TextEncoder().encode(pasted) };
    if (!sig) {
      showFormError('err_no_signature');
      $('sig-file').focus();
      return;
    }
    if (!sig.bytes.length) {
      showFormError('err_empty_file', { name: sig.name });
      return;
    }
    const id = updateIdState(false);
    if (id.state !== 'empty' && id.state !== 'ok') {
      showFormError('err_fix_id');
      $('expected-id').focus();
      return;
    }
    const at = validationTime();
    if (!at.ok) {
      showFormError('err_bad_time');
      $('at').focus();
      return;
    }
    let content;
    if (files.data) {
      content = { source: 'data', bytes: files.data.bytes, name: files.data.name };
    } else {
      const der = toDer(sig.bytes);
      const inner = der ? signedContent(der) : undefined;
      content = inner ? { source: 'cms', bytes: inner } : { source: inner === null ? 'absent' : 'unreadable' };
    }
    const request = {
      signature: toBase64(sig.bytes),
      data: files.data ? toBase64(files.data.bytes) : null,
      expected_id: id.state === 'ok' ? $('expected-id').value.replace(/\s+/g, '') : null,
      at: at.value,
    };

    lastCall = { request, content, lang };
    await ask(lastCall, true);
  }

  /** Sends `call.request` in the page's language and shows the answer. */
  async function ask(call, scroll) {
    const { request, content } = call;
    call.lang = lang;
    const button = $('verify');
    button.disabled = true;
    button.textContent = t('verifying');
    $('result').setAttribute('aria-busy', 'true');
    try {
      let answer;
      let body = null;
      try {
        answer = await fetch('/v1/verify', {
          method: 'POST',
          // The verdict's message in the page's language (the reason codes never change).
          headers: { 'content-type': 'application/json', accept: 'application/json', 'accept-language': lang },
          body: JSON.stringify(request),
          cache: 'no-store',
        });
      } catch (_) {
        showFormError('err_network');
        return;
      }
      try { body = await answer.json(); } catch (_) { body = null; }
      if (answer.ok && body && STATUSES.includes(body.status)) {
        render({ kind: 'verdict', verdict: body, content });
      } else if (body && typeof body.reason === 'string') {
        render({ kind: 'usage', error: body });
      } else {
        showFormError('err_answer', { code: answer.status });
        return;
      }
      if (scroll) $('result').scrollIntoView({ block: 'start' });
    } finally {
      button.disabled = false;
      button.textContent = t('verify');
      $('result').removeAttribute('aria-busy');
    }
  }

  function clearAll() {
    $('form').reset();
    files.sig = null;
    files.data = null;
    shown = null;
    lastCall = null;
    freeBlobs();
    clearFormError();
    showFileName('sig');
    showFileName('data');
    updateIdState(false);
    $('result').hidden = true;
    $('details').replaceChildren();
    $('sig-file').focus();
  }

  async function start() {
    try {
      const answer = await fetch('/assets/i18n.json');
      if (answer.ok) texts = await answer.json();
    } catch (_) { /* the English of the page stays */ }
    const live = el('span', { id: 'id-live', class: 'vh', 'aria-live': 'polite' });
    $('id-state').after(live);
    wireDrop('sig');
    wireDrop('data');
    // A file dropped beside a drop zone must not make the browser leave the page.
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => e.preventDefault());
    $('expected-id').addEventListener('input', () => updateIdState(true));
    $('form').addEventListener('submit', submit);
    $('clear').addEventListener('click', clearAll);
    for (const b of document.querySelectorAll('#langs button')) {
      b.addEventListener('click', () => {
        setLang(b.dataset.lang, true);
        // A verdict on screen came in the previous language: ask for it in this one.
        if (shown && lastCall && lastCall.lang !== lang && !$('verify').disabled) ask(lastCall, false);
      });
    }
    setLang(storedLang() || browserLang(), false);
    document.body.dataset.ready = 'true';
  }

  start();
})();
