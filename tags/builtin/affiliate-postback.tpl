___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Affiliate Postback",
  "categories": [
    "AFFILIATE_MARKETING",
    "CONVERSIONS"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Sends a server-to-server postback to an affiliate network for each conversion: the click id (from a variable, event data or the landing URL), payout, currency, transaction id and a mapped status (sale, lead, rejected) filled into the network's URL.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "url",
    "displayName": "Postback URL",
    "simpleValueType": true,
    "valueHint": "https://network.example/pb?cid={click_id}&amt={payout}&cur={currency}&tx={transaction_id}&st={status}",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "alwaysInSummary": true,
    "help": "The network's postback URL with macros. Tokens: {click_id}, {payout}, {amount}, {sale_amount}, {currency}, {status}, {transaction_id}, {event}, {offer_id}; any other {key} or {a.b.0.c} reads event data. Values are URL-encoded; missing ones are empty."
  },
  {
    "type": "SELECT",
    "name": "method",
    "displayName": "Method",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "GET",
        "displayValue": "GET"
      },
      {
        "value": "POST",
        "displayValue": "POST"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "GET",
    "help": "Postbacks are usually GET. POST sends the body fields below."
  },
  {
    "type": "SELECT",
    "name": "body_format",
    "displayName": "Body format",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "form",
        "displayValue": "Form (application/x-www-form-urlencoded)"
      },
      {
        "value": "json",
        "displayValue": "JSON (application/json)"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "form",
    "enablingConditions": [
      {
        "paramName": "method",
        "paramValue": "POST",
        "type": "EQUALS"
      }
    ],
    "help": "Encoding of the POST body."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "body",
    "displayName": "Body fields",
    "simpleTableColumns": [
      {
        "defaultValue": "",
        "displayName": "Key",
        "name": "key",
        "type": "TEXT",
        "isUnique": true
      },
      {
        "defaultValue": "",
        "displayName": "Value",
        "name": "value",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add field",
    "help": "POST body fields; macros in values are filled raw (not URL-encoded)."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "headers",
    "displayName": "Request headers",
    "simpleTableColumns": [
      {
        "defaultValue": "",
        "displayName": "Header name",
        "name": "name",
        "type": "TEXT",
        "isUnique": true
      },
      {
        "defaultValue": "",
        "displayName": "Value",
        "name": "value",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add header",
    "help": "Extra request headers; macros in values are filled raw."
  },
  {
    "type": "TEXT",
    "name": "click_id",
    "displayName": "Click ID",
    "simpleValueType": true,
    "help": "Optional. The click id, usually a variable such as a cookie-value variable reading the click cookie. Empty: read from the event data keys below."
  },
  {
    "type": "TEXT",
    "name": "click_id_keys",
    "displayName": "Click ID keys in event data",
    "simpleValueType": true,
    "textAsList": true,
    "lineCount": 3,
    "valueHint": "click_id\nclick.click_id",
    "help": "Event data key paths tried in order when the Click ID field is empty. Default: click_id, clickid, click.click_id, click.id (the click attached by the postback client)."
  },
  {
    "type": "TEXT",
    "name": "click_id_url_param",
    "displayName": "Click ID URL parameter",
    "simpleValueType": true,
    "help": "Optional query parameter of page_location holding the click id (for conversions on the landing page), e.g. clickid."
  },
  {
    "type": "CHECKBOX",
    "name": "require_click_id",
    "checkboxText": "Only send when a click ID is found",
    "displayName": "Without a click ID",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "A postback without a click id cannot be attributed; when ticked the tag succeeds without sending."
  },
  {
    "type": "SELECT",
    "name": "payout_mode",
    "displayName": "Payout",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "event",
        "displayValue": "From the event (payout, else value)"
      },
      {
        "value": "fixed",
        "displayValue": "Fixed amount"
      },
      {
        "value": "percent",
        "displayValue": "Percentage of the event value"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "event",
    "help": "How {payout} is computed. Amounts go out with two decimals (12.50)."
  },
  {
    "type": "TEXT",
    "name": "payout_value",
    "displayName": "Payout amount or percentage",
    "simpleValueType": true,
    "enablingConditions": [
      {
        "paramName": "payout_mode",
        "paramValue": "event",
        "type": "NOT_EQUALS"
      }
    ],
    "help": "The fixed payout, or the percentage of value for percentage payouts."
  },
  {
    "type": "TEXT",
    "name": "currency",
    "displayName": "Currency",
    "simpleValueType": true,
    "help": "Optional ISO 4217 code for {currency}. Empty: the event's currency."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "status_map",
    "displayName": "Status mapping",
    "simpleTableColumns": [
      {
        "defaultValue": "",
        "displayName": "Event status or event name",
        "name": "from",
        "type": "TEXT",
        "isUnique": true
      },
      {
        "defaultValue": "",
        "displayName": "Postback status",
        "name": "to",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add mapping",
    "help": "{status} is the first row whose 'from' equals the event's status, then the first whose 'from' equals its event_name; else purchase gives sale, generate_lead and sign_up give lead, refund gives rejected; else the event's status as is."
  },
  {
    "type": "TEXT",
    "name": "success_status",
    "displayName": "Success status codes",
    "simpleValueType": true,
    "defaultValue": "200-299",
    "help": "Comma-separated codes, ranges and classes that count as success, e.g. 200-299 or 200,302. Empty or invalid means 200-299."
  },
  {
    "type": "TEXT",
    "name": "success_body_contains",
    "displayName": "Success text",
    "simpleValueType": true,
    "help": "Optional text the response body must contain, for networks that answer 200 even when they reject a postback."
  },
  {
    "type": "TEXT",
    "name": "timeout_ms",
    "displayName": "Timeout (milliseconds)",
    "simpleValueType": true,
    "defaultValue": "5000",
    "help": "How long to wait for the network. Empty or invalid means 5000."
  },
  {
    "type": "TEXT",
    "name": "dedup_hours",
    "displayName": "Deduplicate for (hours)",
    "simpleValueType": true,
    "defaultValue": "0",
    "help": "Optional. When above 0, a conversion with the same click id, transaction id and status is posted once in this many hours (per tagd process). 0 turns it off."
  },
  {
    "type": "CHECKBOX",
    "name": "respect_consent",
    "checkboxText": "Do not post when ad_storage is denied",
    "displayName": "Consent",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "Reads consent_state (or consent, x-ga-gcs, x-ga-gcd) from the event. Conversions reported server to server by the advertiser usually carry no consent signal and are posted."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Math = require('Math');
const Object = require('Object');
const encodeUriComponent = require('encodeUriComponent');
const getAllEventData = require('getAllEventData');
const getTimestampMillis = require('getTimestampMillis');
const getType = require('getType');
const logToConsole = require('logToConsole');
const makeInteger = require('makeInteger');
const makeNumber = require('makeNumber');
const makeString = require('makeString');
const parseUrl = require('parseUrl');
const sendHttpRequest = require('sendHttpRequest');
const templateDataStorage = require('templateDataStorage');

const DEFAULT_TIMEOUT_MS = 5000;
const DIGITS = '0123456789';
const MAX_LOGGED_BODY = 1000;

const eventData = getAllEventData() || {};

// The click id is an advertising identifier: with ad_storage denied nothing is posted.
if (flag(data.respect_consent, true) && consentState('ad_storage') === 'denied') {
  logToConsole({message: 'affiliate-postback: ad_storage consent denied, postback not sent', event_name: eventData.event_name});
  return data.gtmOnSuccess();
}
const clickId = findClickId();
if (!clickId && flag(data.require_click_id, true)) {
  logToConsole({message: 'affiliate-postback: no click id, postback not sent', event_name: eventData.event_name});
  return data.gtmOnSuccess();
}
// The postback tokens; any other {key.path} macro reads event data.
const eventValue = numberOr(eventData.value, undefined);
const tokens = {
  click_id: clickId,
  transaction_id: text(eventData.transaction_id).trim() || text(eventData.order_id).trim(),
  payout: payout(),
  amount: money(numberOr(eventData.amount, eventValue)),
  sale_amount: money(numberOr(eventData.sale_amount, eventValue)),
  currency: (text(data.currency).trim() || text(eventData.currency).trim()).toUpperCase(),
  status: postbackStatus(),
  event: text(eventData.event_name).trim(),
  offer_id: text(eventData.offer_id).trim()
};

const method = text(data.method || 'GET').trim().toUpperCase() === 'POST' ? 'POST' : 'GET';
const url = expand(data.url, true).trim();
if (!url) {
  return fail('url is empty');
}
const dedupKey = 'sent:' + tokens.click_id + '|' + tokens.transaction_id + '|' + tokens.status;
const dedupHours = numberOr(data.dedup_hours, 0);
if (dedupHours > 0 && tokens.transaction_id) {
  const seen = templateDataStorage.getItemCopy(dedupKey);
  if (getType(seen) === 'number' && seen > getTimestampMillis()) {
    logToConsole({message: 'affiliate-postback: duplicate conversion, postback not sent',
      click_id: tokens.click_id, transaction_id: tokens.transaction_id, status: tokens.status});
    return data.gtmOnSuccess();
  }
}

const headers = {};
const headerRows = getType(data.headers) === 'array' ? data.headers : [];
for (let i = 0; i < headerRows.length; i++) {
  const row = headerRows[i];
  const name = text(row && row.name).trim();
  if (name) {
    headers[name] = expand(row.value, false);
  }
}
const body = method === 'POST' ? buildBody() : undefined;
if (body !== undefined) {
  // The body's Content-Type, unless a header row already sets one (in any letter case).
  let hasContentType = false;
  const names = Object.keys(headers);
  for (let i = 0; i < names.length; i++) {
    if (names[i].toLowerCase() === 'content-type') {
      hasContentType = true;
    }
  }
  if (!hasContentType) {
    headers['Content-Type'] = body.contentType;
  }
}
const timeout = makeInteger(data.timeout_ms);
const options = {method: method, headers: headers,
  timeout: getType(timeout) === 'number' && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS};
const request = body === undefined ? sendHttpRequest(url, options) : sendHttpRequest(url, options, body.text);
request.then((result) => {
  const answer = text(result.body);
  const expected = text(data.success_body_contains);
  const ranges = statusRanges(data.success_status);
  let statusOk = false;
  for (let i = 0; i < ranges.length && !statusOk; i++) {
    statusOk = result.statusCode >= ranges[i][0] && result.statusCode <= ranges[i][1];
  }
  if (statusOk && (!expected || answer.indexOf(expected) >= 0)) {
    if (dedupHours > 0 && tokens.transaction_id) {
      templateDataStorage.setItemCopy(dedupKey, getTimestampMillis() + dedupHours * 3600000);
    }
    data.gtmOnSuccess();
    return;
  }
  logToConsole({message: 'affiliate-postback: the network did not accept the postback', status: result.statusCode,
    body: answer.substring(0, MAX_LOGGED_BODY), click_id: tokens.click_id, transaction_id: tokens.transaction_id});
  data.gtmOnFailure('affiliate-postback: HTTP ' + makeString(result.statusCode) + ': ' + answer.substring(0, 200));

  // '200-299', '200,202', '2xx' and mixtures; anything unreadable means 200-299. Declared
  // here, so that only a run that gets an answer creates these functions.
  function statusRanges(spec) {
    const setting = text(spec);
    if (setting === '200-299') {
      return [[200, 299]];
    }
    const list = [];
    const parts = setting.split(',');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i].trim().toLowerCase();
      if (!part) {
        continue;
      }
      const dash = part.indexOf('-');
      let range;
      if (part.length === 3 && part.substring(1) === 'xx') {
        const hundred = statusCode(part.charAt(0) + '00');
        range = hundred ? [hundred, hundred + 99] : undefined;
      } else if (dash > 0) {
        const low = statusCode(part.substring(0, dash).trim());
        const high = statusCode(part.substring(dash + 1).trim());
        range = low && high && low <= high ? [low, high] : undefined;
      } else {
        const code = statusCode(part);
        range = code ? [code, code] : undefined;
      }
      if (!range) {
        return [[200, 299]];
      }
      list.push(range);
    }
    return list.length > 0 ? list : [[200, 299]];
  }

  // Three digits from 100 to 599, else 0.
  function statusCode(value) {
    if (value.length !== 3) {
      return 0;
    }
    for (let i = 0; i < 3; i++) {
      if (value[i] < '0' || value[i] > '9') {
        return 0;
      }
    }
    const code = makeInteger(value);
    return code >= 100 && code <= 599 ? code : 0;
  }
}, (err) => {
  const reason = text(err && err.reason) || 'failed';
  logToConsole({message: 'affiliate-postback: request failed', reason: reason, click_id: tokens.click_id});
  data.gtmOnFailure('affiliate-postback: request ' + reason);
});

function fail(reason) {
  logToConsole({message: 'affiliate-postback: ' + reason});
  data.gtmOnFailure('affiliate-postback: ' + reason);
}

// The click id: the click_id parameter (e.g. a cookie variable), then the event data keys
// in click_id_keys, then the click_id_url_param query parameter of page_location.
function findClickId() {
  const given = text(data.click_id).trim();
  if (given) {
    return given;
  }
  const setting = data.click_id_keys;
  let paths = setting === undefined || setting === null || setting === '' ? [] : listOf(setting);
  if (paths.length === 0) {
    // The default keys: click_id, clickid, click.click_id, click.id (the click attached by
    // the postback client). Most events have none of them, and then no path is walked.
    paths = eventData.click_id === undefined && eventData.clickid === undefined && eventData.click === undefined &&
      eventData['click.click_id'] === undefined && eventData['click.id'] === undefined ? [] :
      ['click_id', 'clickid', 'click.click_id', 'click.id'];
  }
  for (let i = 0; i < paths.length; i++) {
    // The first string or number at the path decides whether it has the click id.
    const values = valuesAt(eventData, paths[i]);
    for (let j = 0; j < values.length; j++) {
      const type = getType(values[j]);
      if (type === 'string' || type === 'number') {
        const value = text(values[j]).trim();
        if (value) {
          return value;
        }
        break;
      }
    }
  }
  const param = text(data.click_id_url_param).trim();
  if (!param) {
    return '';
  }
  // parseUrl is costly: a URL that has neither the name nor an escape (% or + for a
  // space) in it cannot carry the parameter.
  const pageUrl = text(eventData.page_location).trim();
  return pageUrl.indexOf(param) >= 0 || pageUrl.indexOf('%') >= 0 || pageUrl.indexOf('+') >= 0 ?
    queryParam(pageUrl, param) : '';
}

// payout_mode: event (payout key, else value), fixed (payout_value), percent (payout_value
// percent of the event value).
function payout() {
  const mode = text(data.payout_mode).trim();
  const setting = numberOr(data.payout_value, undefined);
  if (mode === 'fixed') {
    return money(setting);
  }
  if (mode === 'percent') {
    return eventValue === undefined || setting === undefined ? '' : money(eventValue * setting / 100);
  }
  return money(numberOr(eventData.payout, eventValue));
}

// Amounts go out with two decimals (12.50), the usual form for money in postbacks.
function money(amount) {
  if (amount === undefined) {
    return '';
  }
  const cents = Math.round(Math.abs(amount) * 100);
  const rest = cents % 100;
  return (amount < 0 && cents > 0 ? '-' : '') + makeString((cents - rest) / 100) + '.' +
    (rest < 10 ? '0' : '') + makeString(rest);
}

// {status}: the status table (matched against the event's status, then its event_name),
// then the built-in event names (purchase sale, generate_lead/sign_up lead, refund
// rejected), then the event's own status.
function postbackStatus() {
  const status = text(eventData.status).trim();
  const name = text(eventData.event_name).trim();
  const rows = getType(data.status_map) === 'array' ? data.status_map : [];
  for (let c = 0; c < 2 && rows.length > 0; c++) {
    const candidate = c === 0 ? status : name;
    for (let i = 0; i < rows.length && candidate; i++) {
      if (getType(rows[i]) === 'object' && text(rows[i].from).trim() === candidate) {
        return text(rows[i].to).trim();
      }
    }
  }
  if (name === 'purchase') {
    return 'sale';
  }
  if (name === 'generate_lead' || name === 'sign_up') {
    return 'lead';
  }
  return name === 'refund' ? 'rejected' : status;
}

function buildBody() {
  const format = text(data.body_format || 'form').trim().toLowerCase();
  const fields = {};
  const rows = getType(data.body) === 'array' ? data.body : [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const key = text(row && row.key).trim();
    if (key) {
      fields[key] = expand(row.value, false);
    }
  }
  if (format === 'json') {
    return {text: JSON.stringify(fields), contentType: 'application/json'};
  }
  const keys = Object.keys(fields);
  let form = '';
  for (let i = 0; i < keys.length; i++) {
    form += (i > 0 ? '&' : '') + encodeUriComponent(keys[i]) + '=' + encodeUriComponent(fields[keys[i]]);
  }
  return {text: form, contentType: 'application/x-www-form-urlencoded'};
}

// Replaces {token} and {key.path} macros; text in {{double braces}} and braces around
// anything that is not a key path (letters, digits, _ . -) are left as they are.
function expand(template, urlEncode) {
  const source = text(template);
  let out = '';
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{', pos);
    if (open < 0) {
      break;
    }
    if (source.charAt(open + 1) === '{') {
      const end = source.indexOf('}}', open + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.substring(pos, stop);
      pos = stop;
      continue;
    }
    const close = source.indexOf('}', open + 1);
    if (close < 0) {
      break;
    }
    const name = source.substring(open + 1, close);
    // Token names are macro names; any other name is checked character by character, with
    // comparisons rather than an indexOf call per character.
    const isToken = hasKey(tokens, name);
    let isName = isToken || name.length > 0;
    for (let i = 0; i < name.length && isName && !isToken; i++) {
      const c = name[i];
      isName = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c === '_' || c === '.' || c === '-';
    }
    if (!isName) {
      out += source.substring(pos, open + 1);
      pos = open + 1;
      continue;
    }
    const value = isToken ? tokens[name] : text(valueAt(eventData, name));
    // An empty value needs no encoding call.
    out += source.substring(pos, open) + (urlEncode && value ? encodeUriComponent(value) : value);
    pos = close + 1;
  }
  return out + source.substring(pos);
}

// The value at a dotted key path; own keys only, array elements by index.
function valueAt(obj, keyPath) {
  if (hasKey(obj, keyPath)) {
    return obj[keyPath];
  }
  const parts = keyPath.split('.');
  let current = obj;
  for (let i = 0; i < parts.length; i++) {
    const type = getType(current);
    if ((type !== 'object' && type !== 'array') || !hasKey(current, parts[i])) {
      return undefined;
    }
    current = current[parts[i]];
  }
  return current;
}

// consentState returns 'granted' or 'denied' for one consent type, or '' when the event
// carries no signal for it. Sources in order: consent_state (GA4 client), consent
// (Measurement Protocol style, GRANTED/DENIED), then the raw x-ga-gcs and x-ga-gcd strings.
function consentState(type) {
  // No arrays or helper calls here: every vendor tag asks this once or twice per event.
  for (let i = 0; i < 2; i++) {
    const source = i === 0 ? eventData.consent_state : eventData.consent;
    if (source !== undefined && getType(source) === 'object' && hasKey(source, type)) {
      const value = text(source[type]).trim().toLowerCase();
      if (value === 'granted' || value === 'denied') {
        return value;
      }
    }
  }
  const gcsIndex = type === 'ad_storage' ? 0 : (type === 'analytics_storage' ? 1 : -1);
  const gcs = text(eventData['x-ga-gcs']);
  if (gcsIndex >= 0 && gcs.length >= 4 && gcs.substring(0, 2) === 'G1') {
    const digit = gcs.charAt(2 + gcsIndex);
    if (digit === '1' || digit === '0') {
      return digit === '1' ? 'granted' : 'denied';
    }
  }
  // gcd: two digits, then one letter+digit pair per type (protocols.md a.5).
  const gcdIndex = gcsIndex >= 0 ? gcsIndex :
    (type === 'ad_user_data' ? 2 : (type === 'ad_personalization' ? 3 : -1));
  const gcd = text(eventData['x-ga-gcd']);
  if (gcdIndex >= 0 && gcd.length > 2 + 2 * gcdIndex &&
      DIGITS.indexOf(gcd.charAt(0)) >= 0 && DIGITS.indexOf(gcd.charAt(1)) >= 0) {
    const letter = gcd.charAt(2 + 2 * gcdIndex);
    if ('pqmu'.indexOf(letter) >= 0) {
      return 'denied';
    }
    if ('trnv'.indexOf(letter) >= 0) {
      return 'granted';
    }
  }
  return '';
}

// queryParam returns the first value of a query parameter of an absolute URL, or ''.
function queryParam(pageUrl, name) {
  if (!pageUrl) {
    return '';
  }
  const parsed = parseUrl(pageUrl);
  if (!parsed || getType(parsed.searchParams) !== 'object' || !hasKey(parsed.searchParams, name)) {
    return '';
  }
  const value = parsed.searchParams[name];
  return text(getType(value) === 'array' ? value[0] : value).trim();
}

// A textAsList field: an array of lines, or one string with lines or commas.
function listOf(value) {
  const parts = [];
  (getType(value) === 'array' ? value : [value]).forEach((entry) => {
    text(entry).split('\n').forEach((line) => {
      line.split(',').forEach((part) => {
        if (part.trim()) {
          parts.push(part.trim());
        }
      });
    });
  });
  return parts;
}

// Returns every value at a dotted path, descending into arrays at any level.
function valuesAt(obj, keyPath) {
  if (getType(obj) !== 'object') {
    return [];
  }
  if (hasKey(obj, keyPath)) {
    return flatten([obj[keyPath]]);
  }
  // Most paths are absent: give up before building anything when the first segment is.
  const dot = keyPath.indexOf('.');
  if (dot < 0 || obj[keyPath.substring(0, dot)] === undefined) {
    return [];
  }
  let nodes = [obj];
  const parts = keyPath.split('.');
  for (let p = 0; p < parts.length && nodes.length > 0; p++) {
    const next = [];
    const flat = flatten(nodes);
    for (let i = 0; i < flat.length; i++) {
      if (getType(flat[i]) === 'object' && hasKey(flat[i], parts[p])) {
        next.push(flat[i][parts[p]]);
      }
    }
    nodes = next;
  }
  return flatten(nodes);
}

function flatten(list) {
  const out = [];
  appendFlat(out, list);
  return out;
}

function appendFlat(out, list) {
  for (let i = 0; i < list.length; i++) {
    const value = list[i];
    if (getType(value) === 'array') {
      appendFlat(out, value);
    } else if (value !== undefined && value !== null) {
      out.push(value);
    }
  }
}

// An own key with a value. Cheap: no key list is built per lookup. Event data cannot
// break it by shadowing hasOwnProperty (then the value test alone decides).
function hasKey(obj, key) {
  const v = obj[key];
  if (v === undefined) {
    return false;
  }
  return typeof obj.hasOwnProperty !== 'function' || obj.hasOwnProperty(key);
}

function text(value) {
  if (typeof value === 'string') {
    return value;
  }
  if (value === undefined || value === null) {
    return '';
  }
  const type = getType(value);
  if (type === 'object' || type === 'array') {
    return JSON.stringify(value) || '';
  }
  return makeString(value);
}

// A finite number from a number or numeric string, else fallback.
function numberOr(value, fallback) {
  let number = value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!trimmed) {
      return fallback;
    }
    number = makeNumber(trimmed);
  } else if (typeof value !== 'number') {
    return fallback;
  }
  return typeof number === 'number' && number === number &&
    number !== 1 / 0 && number !== -1 / 0 ? number : fallback;
}

// Checkbox values may arrive as booleans or, from hand-written configs, as strings.
function flag(value, fallback) {
  if (value === true || value === 'true') {
    return true;
  }
  if (value === false || value === 'false') {
    return false;
  }
  return fallback;
}


___SERVER_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "send_http",
        "versionId": "1"
      },
      "param": [
        {
          "key": "allowedUrls",
          "value": {
            "type": 1,
            "string": "any"
          }
        }
      ]
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "read_event_data",
        "versionId": "1"
      },
      "param": [
        {
          "key": "eventDataAccess",
          "value": {
            "type": 1,
            "string": "any"
          }
        }
      ]
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "access_template_storage",
        "versionId": "1"
      },
      "param": []
    },
    "isRequired": true
  },
  {
    "instance": {
      "key": {
        "publicId": "logging",
        "versionId": "1"
      },
      "param": [
        {
          "key": "environments",
          "value": {
            "type": 1,
            "string": "all"
          }
        }
      ]
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: a GET postback fills the tokens; a purchase is a sale; payout is a percentage of the value
  code: |-
    mock('getAllEventData', {event_name: 'purchase', click_id: '102f8c1e9a7d4b', value: 125, currency: 'usd', transaction_id: 'T-1001'});
    respond(200, 'OK');
    runCode(config({payout_mode: 'percent', payout_value: '10'}));
    assertThat(sent.url).isEqualTo('https://partner.example/pb?cid=102f8c1e9a7d4b&amt=12.50&cur=USD&tx=T-1001&st=sale');
    assertThat(sent.options).isEqualTo({method: 'GET', headers: {}, timeout: 5000});
    assertThat(sent.body).isUndefined();
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: payout from the event or fixed; amounts keep two decimals
  code: |-
    respond(200, '');
    mock('getAllEventData', {event_name: 'conversion', click_id: 'c1', payout: '7.5', value: 59.98});
    runCode(config({url: 'https://p.example/?p={payout}&a={amount}&s={sale_amount}'}));
    assertThat(sent.url).isEqualTo('https://p.example/?p=7.50&a=59.98&s=59.98');
    runCode(config({url: 'https://p.example/?p={payout}', payout_mode: 'fixed', payout_value: '3'}));
    assertThat(sent.url).isEqualTo('https://p.example/?p=3.00');
    mock('getAllEventData', {event_name: 'conversion', click_id: 'c1', value: 0.125});
    runCode(config({url: 'https://p.example/?p={payout}'}));
    assertThat(sent.url).isEqualTo('https://p.example/?p=0.13');
- name: the status table maps event statuses and names before the built-in names
  code: |-
    respond(200, '');
    const table = [{from: 'approved', to: 'A'}, {from: 'rejected', to: 'R'}, {from: 'generate_lead', to: 'L'}];
    const cases = [
      [{event_name: 'conversion', status: 'approved'}, 'A'],
      [{event_name: 'purchase', status: 'rejected'}, 'R'],
      [{event_name: 'generate_lead'}, 'L'],
      [{event_name: 'purchase'}, 'sale'],
      [{event_name: 'sign_up'}, 'lead'],
      [{event_name: 'refund'}, 'rejected'],
      [{event_name: 'conversion', status: 'pending'}, 'pending'],
      [{event_name: 'conversion'}, '']
    ];
    cases.forEach((c) => {
      c[0].click_id = 'x';
      mock('getAllEventData', c[0]);
      runCode(config({url: 'https://p.example/?st={status}', status_map: table}));
      assertThat(sent.url, c[1]).isEqualTo('https://p.example/?st=' + c[1]);
    });
- name: the click id comes from the parameter, the configured keys or the landing URL; none means no postback
  code: |-
    respond(200, '');
    mock('getAllEventData', {event_name: 'purchase', click: {click_id: 'from-store'}, page_location: 'https://shop.example/?clk=from-url'});
    runCode(config({url: 'https://p.example/?c={click_id}'}));
    assertThat(sent.url).isEqualTo('https://p.example/?c=from-store');
    runCode(config({url: 'https://p.example/?c={click_id}', click_id: 'from-cookie-variable'}));
    assertThat(sent.url).isEqualTo('https://p.example/?c=from-cookie-variable');
    runCode(config({url: 'https://p.example/?c={click_id}', click_id_keys: ['aff_click'], click_id_url_param: 'clk'}));
    assertThat(sent.url).isEqualTo('https://p.example/?c=from-url');
    sent = undefined;
    mock('getAllEventData', {event_name: 'purchase'});
    runCode(config({}));
    assertThat(sent).isUndefined();
    assertApi('gtmOnSuccess').wasCalled();
    assertApi('logToConsole').wasCalledWith({message: 'affiliate-postback: no click id, postback not sent', event_name: 'purchase'});
    runCode(config({require_click_id: false, url: 'https://p.example/?c={click_id}&o={offer_id}&e={event}'}));
    assertThat(sent.url).isEqualTo('https://p.example/?c=&o=&e=purchase');
- name: POST sends a form or JSON body built from macros; event data paths work
  code: |-
    respond(201, '');
    mock('getAllEventData', {event_name: 'purchase', click_id: 'a b', value: 10, currency: 'EUR', transaction_id: 'T-1',
      items: [{item_id: 'SKU-1'}]});
    const body = [{key: 'clickid', value: '{click_id}'}, {key: 'sum', value: '{amount} {currency}'}, {key: 'sku', value: '{items.0.item_id}'}];
    runCode(config({method: 'POST', url: 'https://p.example/pb', body: body}));
    assertThat(sent.body).isEqualTo('clickid=a%20b&sum=10.00%20EUR&sku=SKU-1');
    assertThat(sent.options.headers).isEqualTo({'Content-Type': 'application/x-www-form-urlencoded'});
    runCode(config({method: 'POST', url: 'https://p.example/pb', body: body, body_format: 'json',
      headers: [{name: 'X-Key', value: 'k-{transaction_id}'}]}));
    assertThat(JSON.parse(sent.body)).isEqualTo({clickid: 'a b', sum: '10.00 EUR', sku: 'SKU-1'});
    assertThat(sent.options.headers).isEqualTo({'X-Key': 'k-T-1', 'Content-Type': 'application/json'});
- name: a 200 without the expected text, or a bad status, fails the tag
  code: |-
    mock('getAllEventData', {event_name: 'purchase', click_id: 'c', transaction_id: 'T'});
    respond(200, 'success=false;reason=unknown click');
    runCode(config({success_body_contains: 'success=true'}));
    callLater(() => {
      assertApi('gtmOnSuccess').wasNotCalled();
      assertApi('gtmOnFailure').wasCalledWith('affiliate-postback: HTTP 200: success=false;reason=unknown click');
    });
- name: duplicates of a sent conversion are not posted again while dedup is on
  code: |-
    const store = {};
    mockObject('templateDataStorage', {
      getItemCopy: (key) => store[key] === undefined ? null : store[key],
      setItemCopy: (key, value) => { store[key] = value; }
    });
    mock('getTimestampMillis', 1716200000000);
    mock('getAllEventData', {event_name: 'purchase', click_id: 'c', transaction_id: 'T-1', value: 5});
    let count = 0;
    mock('sendHttpRequest', () => {
      count++;
      return Promise.create((resolve) => resolve({statusCode: 200, headers: {}, body: ''}));
    });
    runCode(config({dedup_hours: '48'}));
    callLater(() => {
      assertThat(store['sent:c|T-1|sale']).isEqualTo(1716200000000 + 48 * 3600000);
      runCode(config({dedup_hours: '48'}));
      assertThat(count).isEqualTo(1);
      assertApi('logToConsole').wasCalledWith({message: 'affiliate-postback: duplicate conversion, postback not sent',
        click_id: 'c', transaction_id: 'T-1', status: 'sale'});
    });
- name: denied ad_storage consent means no postback unless consent is ignored
  code: |-
    respond(200, '');
    mock('getAllEventData', {event_name: 'purchase', click_id: 'c', 'x-ga-gcs': 'G100'});
    runCode(config({}));
    assertThat(sent).isUndefined();
    assertApi('gtmOnSuccess').wasCalled();
    runCode(config({respect_consent: false}));
    assertThat(sent.url).isEqualTo('https://partner.example/pb?cid=c&amt=&cur=&tx=&st=sale');
- name: network failure fails the tag
  code: |-
    mock('getAllEventData', {event_name: 'purchase', click_id: 'c'});
    mock('sendHttpRequest', () => Promise.create((resolve, reject) => reject({reason: 'timed_out'})));
    runCode(config({}));
    callLater(() => assertApi('gtmOnFailure').wasCalledWith('affiliate-postback: request timed_out'));
setup: |-
  const JSON = require('JSON');
  const Object = require('Object');
  const Promise = require('Promise');
  const callLater = require('callLater');
  let sent;
  const respond = (status, responseBody) => {
    mock('sendHttpRequest', (url, options, body) => {
      sent = {url: url, options: options, body: body};
      return Promise.create((resolve) => resolve({statusCode: status, headers: {}, body: responseBody}));
    });
  };
  const config = (extra) => {
    const params = {url: 'https://partner.example/pb?cid={click_id}&amt={payout}&cur={currency}&tx={transaction_id}&st={status}',
                    method: 'GET', body_format: 'form', require_click_id: true, payout_mode: 'event',
                    success_status: '200-299', timeout_ms: '5000', dedup_hours: '0'};
    Object.keys(extra).forEach((key) => { params[key] = extra[key]; });
    return params;
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
