___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "HTTP Request / Postback",
  "categories": ["AFFILIATE_MARKETING", "CONVERSIONS", "UTILITY"],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Sends one HTTP request per event: an affiliate/S2S postback, a webhook or any JSON/form API call. {key} macros in the URL, header values and body values are filled from event data.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "SELECT",
    "name": "method",
    "displayName": "Method",
    "macrosInSelect": true,
    "selectItems": [
      {"value": "GET", "displayValue": "GET"},
      {"value": "POST", "displayValue": "POST"},
      {"value": "PUT", "displayValue": "PUT"},
      {"value": "PATCH", "displayValue": "PATCH"},
      {"value": "DELETE", "displayValue": "DELETE"}
    ],
    "simpleValueType": true,
    "defaultValue": "GET",
    "help": "HTTP method of the request. Postbacks are usually GET."
  },
  {
    "type": "TEXT",
    "name": "url",
    "displayName": "URL",
    "simpleValueType": true,
    "alwaysInSummary": true,
    "valueHint": "https://partner.example/pb?cid={click_id}\u0026amt={payout}\u0026tx={transaction_id}",
    "valueValidators": [
      {"type": "NON_EMPTY"}
    ],
    "help": "Full URL. Each {key} or {a.b} macro is replaced by the URL-encoded event data value at that key path (empty when missing). Aliases: {payout} and {amount} (the event's payout/amount key, else value), {event} (event_name); {click_id}, {transaction_id}, {currency}, {status}, {offer_id} read the keys of the same name."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "headers",
    "displayName": "Request headers",
    "simpleTableColumns": [
      {"defaultValue": "", "displayName": "Header name", "name": "name", "type": "TEXT", "isUnique": true},
      {"defaultValue": "", "displayName": "Value", "name": "value", "type": "TEXT"}
    ],
    "newRowButtonText": "Add header",
    "help": "Extra request headers. {key} macros in values are replaced by the raw (not URL-encoded) event data value. A Content-Type set here wins over the one implied by the body format."
  },
  {
    "type": "SELECT",
    "name": "body_format",
    "displayName": "Body format",
    "macrosInSelect": false,
    "selectItems": [
      {"value": "none", "displayValue": "No body"},
      {"value": "json", "displayValue": "JSON (application/json)"},
      {"value": "form", "displayValue": "Form (application/x-www-form-urlencoded)"}
    ],
    "simpleValueType": true,
    "defaultValue": "none",
    "help": "How the body fields are encoded. With 'No body' nothing is sent unless 'Send the whole event data' is ticked, which then sends JSON."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "body",
    "displayName": "Body fields",
    "simpleTableColumns": [
      {"defaultValue": "", "displayName": "Key", "name": "key", "type": "TEXT", "isUnique": true},
      {"defaultValue": "", "displayName": "Value", "name": "value", "type": "TEXT"}
    ],
    "newRowButtonText": "Add field",
    "enablingConditions": [
      {"paramName": "body_format", "paramValue": "none", "type": "NOT_EQUALS"}
    ],
    "help": "Top-level body fields. A value that is exactly one macro such as {value} keeps the event data type (number, object) in JSON; other values are text with macros replaced by raw event data values."
  },
  {
    "type": "CHECKBOX",
    "name": "body_include_event_data",
    "checkboxText": "Send the whole event data in the body",
    "displayName": "Include event data",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Starts the body from all event data keys; body fields above are added on top and win on conflicts. Encoded as JSON unless the body format is Form."
  },
  {
    "type": "TEXT",
    "name": "timeout_ms",
    "displayName": "Timeout (milliseconds)",
    "simpleValueType": true,
    "defaultValue": "5000",
    "valueValidators": [
      {"type": "POSITIVE_NUMBER"}
    ],
    "help": "How long to wait for the response before the tag fails. Empty or invalid means 5000."
  },
  {
    "type": "TEXT",
    "name": "success_status",
    "displayName": "Success status codes",
    "simpleValueType": true,
    "defaultValue": "200-299",
    "help": "Comma-separated status codes or ranges that count as success, e.g. '200-299' or '200,202,3xx'. Empty or invalid means 200-299."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Object = require('Object');
const encodeUriComponent = require('encodeUriComponent');
const getAllEventData = require('getAllEventData');
const getType = require('getType');
const logToConsole = require('logToConsole');
const makeInteger = require('makeInteger');
const makeString = require('makeString');
const sendHttpRequest = require('sendHttpRequest');

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_SUCCESS_STATUS = '200-299';
const MAX_LOGGED_BODY = 1000;

// This tag runs on every event it fires for, so a run does only what its settings need.
// Event data is copied in on first use (by lookup or buildBody): a URL without {key} macros
// and no body never need it. Every function below is created anew on each run, so helpers
// used only for bodies or custom status lists are nested in the function that needs them.
let eventData;

const method = toText(data.method || 'GET').trim().toUpperCase();
if (method !== 'GET' && method !== 'POST' && method !== 'PUT' && method !== 'PATCH' &&
    method !== 'DELETE') {
  logToConsole({method: method, message: 'http-request: unsupported method'});
  data.gtmOnFailure();
  return;
}
const url = expand(data.url, true).trim();
if (!url) {
  logToConsole({message: 'http-request: url is empty'});
  data.gtmOnFailure();
  return;
}

const headers = {};
const headerRows = data.headers;
if (headerRows && getType(headerRows) === 'array') {
  for (let i = 0; i < headerRows.length; i++) {
    const row = headerRows[i];
    const name = toText(row && row.name).trim();
    if (name) {
      headers[name] = expand(row.value, false);
    }
  }
}

const bodyFormat = toText(data.body_format || 'none').trim().toLowerCase();
const includeEvent = data.body_include_event_data === true ||
  data.body_include_event_data === 'true';
const body = bodyFormat === 'json' || bodyFormat === 'form' || includeEvent ?
  buildBody(bodyFormat === 'form', includeEvent) :
  undefined;
if (body !== undefined) {
  // A Content-Type configured in any letter case wins over the one of the body format.
  const names = Object.keys(headers);
  let hasContentType = false;
  for (let i = 0; i < names.length; i++) {
    if (names[i].toLowerCase() === 'content-type') {
      hasContentType = true;
      break;
    }
  }
  if (!hasContentType) {
    headers['Content-Type'] = body.contentType;
  }
}

// Success ranges as a flat list of [low, high] pairs; the default needs no parsing.
const statusSpec = toText(data.success_status).trim();
const ranges = statusSpec === '' || statusSpec === DEFAULT_SUCCESS_STATUS ?
  [200, 299] :
  statusRanges(statusSpec);
const timeout = makeInteger(data.timeout_ms);
const options = {
  method: method,
  headers: headers,
  timeout: typeof timeout === 'number' && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS
};
const request = body === undefined ?
  sendHttpRequest(url, options) :
  sendHttpRequest(url, options, body.text);

request.then((result) => {
  const status = result.statusCode;
  for (let i = 0; i < ranges.length; i += 2) {
    if (status >= ranges[i] && status <= ranges[i + 1]) {
      data.gtmOnSuccess();
      return;
    }
  }
  logToConsole({
    message: 'http-request: unexpected response status',
    method: method,
    status: status,
    body: toText(result.body).substring(0, MAX_LOGGED_BODY)
  });
  data.gtmOnFailure();
}, (err) => {
  logToConsole({
    message: 'http-request: request failed',
    method: method,
    reason: toText(err && err.reason) || 'failed'
  });
  data.gtmOnFailure();
});

// Returns {text, contentType}: form encoding or JSON.
function buildBody(asForm, includeEvent) {
  // A cell that is exactly one macro keeps the event value's own type; a non-string cell
  // is a value the runtime already resolved from a {{Variable}}.
  function bodyValue(cell) {
    if (typeof cell !== 'string') {
      return cell === undefined ? '' : cell;
    }
    const trimmed = cell.trim();
    if (trimmed.length > 2 && trimmed.charAt(0) === '{' &&
        trimmed.indexOf('}') === trimmed.length - 1 &&
        isMacroName(trimmed.substring(1, trimmed.length - 1))) {
      const value = lookup(trimmed.substring(1, trimmed.length - 1));
      return value === undefined || value === null ? '' : value;
    }
    return expand(cell, false);
  }

  const fields = {};
  if (includeEvent) {
    if (eventData === undefined) {
      eventData = getAllEventData() || {};
    }
    const keys = Object.keys(eventData);
    for (let i = 0; i < keys.length; i++) {
      fields[keys[i]] = eventData[keys[i]];
    }
  }
  const rows = data.body;
  if (getType(rows) === 'array') {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const key = toText(row && row.key).trim();
      if (key) {
        fields[key] = bodyValue(row.value);
      }
    }
  }
  if (asForm) {
    const names = Object.keys(fields);
    let text = '';
    for (let i = 0; i < names.length; i++) {
      text += (i > 0 ? '&' : '') + encodeUriComponent(names[i]) + '=' +
        encodeUriComponent(toText(fields[names[i]]));
    }
    return {text: text, contentType: 'application/x-www-form-urlencoded'};
  }
  return {text: JSON.stringify(fields), contentType: 'application/json'};
}

// Replaces {key.path} macros. Text in {{double braces}} and braces around anything that is
// not a key path (JSON, spaces) are left as they are.
function expand(template, urlEncode) {
  const text = toText(template);
  if (text.indexOf('{') < 0) {
    return text; // the common case: nothing to replace
  }
  // The length is read once: every property read on a string is a lookup in the sandbox.
  const length = text.length;
  let out = '';
  let pos = 0;
  while (pos < length) {
    const open = text.indexOf('{', pos);
    if (open < 0) {
      break;
    }
    if (text.charAt(open + 1) === '{') {
      const end = text.indexOf('}}', open + 2);
      const stop = end < 0 ? length : end + 2;
      out += text.substring(pos, stop);
      pos = stop;
      continue;
    }
    const close = text.indexOf('}', open + 1);
    if (close < 0) {
      break;
    }
    const name = text.substring(open + 1, close);
    if (!isMacroName(name)) {
      out += text.substring(pos, open + 1);
      pos = open + 1;
      continue;
    }
    const value = toText(lookup(name));
    out += text.substring(pos, open) + (urlEncode ? encodeUriComponent(value) : value);
    pos = close + 1;
  }
  return out + text.substring(pos);
}

// A key path: ASCII letters, digits, '_', '.' and '-' (compared as character codes, which
// costs no string per character).
function isMacroName(name) {
  const length = name.length;
  if (length === 0) {
    return false;
  }
  for (let i = 0; i < length; i++) {
    const c = name.charCodeAt(i);
    const allowed = (c >= 97 && c <= 122) || // a-z
      (c >= 65 && c <= 90) || // A-Z
      (c >= 48 && c <= 57) || // 0-9
      c === 95 || c === 46 || c === 45; // _ . -
    if (!allowed) {
      return false;
    }
  }
  return true;
}

// Value of a {key.path} macro. Postback tokens whose event data key differs from the token
// fall back: the first candidate with a value wins, so an explicit payout/amount key beats
// the generic order value.
function lookup(name) {
  if (eventData === undefined) {
    eventData = getAllEventData() || {};
  }
  let first = name;
  let second;
  if (name === 'payout' || name === 'amount' || name === 'sale_amount') {
    second = 'value';
  } else if (name === 'event') {
    first = 'event_name';
  } else {
    return valueAt(eventData, name);
  }
  const value = valueAt(eventData, first);
  if (value !== undefined && value !== null && value !== '') {
    return value;
  }
  const fallback = second === undefined ? undefined : valueAt(eventData, second);
  return fallback !== undefined && fallback !== null && fallback !== '' ? fallback : undefined;
}

// Own keys only, so a macro like {constructor} cannot reach prototype members. A flat key
// that contains dots wins over the path.
function valueAt(obj, keyPath) {
  const flat = obj[keyPath];
  if (flat !== undefined &&
      (typeof obj.hasOwnProperty !== 'function' || obj.hasOwnProperty(keyPath))) {
    return flat;
  }
  if (keyPath.indexOf('.') < 0) {
    return undefined; // a single key: the lookup above was the whole path
  }
  const parts = keyPath.split('.');
  let current = obj;
  for (let i = 0; i < parts.length; i++) {
    const type = getType(current);
    if (type !== 'object' && type !== 'array') {
      return undefined;
    }
    const next = current[parts[i]];
    if (next === undefined ||
        (typeof current.hasOwnProperty === 'function' && !current.hasOwnProperty(parts[i]))) {
      return undefined;
    }
    current = next;
  }
  return current;
}

function toText(value) {
  // Most values are strings already: no getType call for them.
  if (typeof value === 'string') {
    return value;
  }
  const type = getType(value);
  if (type === 'undefined' || type === 'null') {
    return '';
  }
  if (type === 'string') {
    return value;
  }
  if (type === 'object' || type === 'array') {
    return JSON.stringify(value) || '';
  }
  return makeString(value);
}

// Parses '200-299', '200,202', '2xx' and mixtures into [low, high, low, high, ...]; falls
// back to 200-299 (with a log line) when the setting cannot be read.
function statusRanges(text) {
  // Three digits between 100 and 599, else 0.
  function statusCode(digits) {
    if (digits.length !== 3) {
      return 0;
    }
    for (let i = 0; i < 3; i++) {
      const c = digits.charCodeAt(i);
      if (c < 48 || c > 57) { // not 0-9
        return 0;
      }
    }
    const code = makeInteger(digits);
    return code >= 100 && code <= 599 ? code : 0;
  }

  const parsed = [];
  const parts = text.split(',');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i].trim().toLowerCase();
    if (!part) {
      continue;
    }
    const dash = part.indexOf('-');
    let low;
    let high;
    if (part.length === 3 && part.substring(1) === 'xx') {
      low = statusCode(part.charAt(0) + '00');
      high = low + 99;
    } else if (dash > 0) {
      low = statusCode(part.substring(0, dash).trim());
      high = statusCode(part.substring(dash + 1).trim());
    } else {
      low = statusCode(part);
      high = low;
    }
    if (!low || !high || low > high) {
      logToConsole({
        message: 'http-request: cannot read success_status, using ' + DEFAULT_SUCCESS_STATUS,
        success_status: text
      });
      return [200, 299];
    }
    parsed.push(low, high);
  }
  return parsed.length > 0 ? parsed : [200, 299];
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
- name: GET postback fills and URL-encodes macros, missing ones empty
  code: |-
    mock('getAllEventData', {
      event_name: 'purchase', click_id: '102f8c1e9a7d4b', value: '12.50', currency: 'USD',
      transaction_id: 'T-1001', status: 'approved', page_location: 'https://shop.example/?a=1&b=2'
    });
    mockResponse(200, 'OK');
    runCode({
      method: 'GET',
      url: 'https://partner.example/pb?cid={click_id}&amt={payout}&cur={currency}&tx={transaction_id}&st={status}&ev={event}&o={offer_id}&loc={page_location}',
      timeout_ms: '5000',
      success_status: '200-299'
    });
    assertApi('sendHttpRequest').wasCalledWith(
      'https://partner.example/pb?cid=102f8c1e9a7d4b&amt=12.50&cur=USD&tx=T-1001&st=approved&ev=purchase&o=&loc=https%3A%2F%2Fshop.example%2F%3Fa%3D1%26b%3D2',
      {method: 'GET', headers: {}, timeout: 5000});
    callLater(() => {
      assertApi('gtmOnSuccess').wasCalled();
      assertApi('gtmOnFailure').wasNotCalled();
    });
- name: payout and amount prefer their own keys, then value; nested key paths work
  code: |-
    mock('getAllEventData', {
      value: 99.9, payout: 4.5, items: [{item_id: 'SKU 1'}], user_data: {address: {country: 'DE'}}
    });
    mockResponse(204, '');
    runCode({url: 'https://p.example/c?p={payout}&a={amount}&s={sale_amount}&i={items.0.item_id}&c={user_data.address.country}'});
    assertThat(sent.url).isEqualTo('https://p.example/c?p=4.5&a=99.9&s=99.9&i=SKU%201&c=DE');
    assertThat(sent.options.method).isEqualTo('GET');
    assertThat(sent.options.timeout).isEqualTo(5000);
    assertThat(sent.body).isUndefined();
- name: double braces, JSON-looking text and prototype names are not replaced
  code: |-
    mock('getAllEventData', {value: 1});
    mockResponse(200, '');
    runCode({url: 'https://p.example/x?a={{value}}&b={"k":1}&c={constructor}&d={value'});
    assertThat(sent.url).isEqualTo('https://p.example/x?a={{value}}&b={"k":1}&c=&d={value');
- name: POST JSON body keeps types of single-macro values and sets Content-Type
  code: |-
    mock('getAllEventData', {
      event_name: 'purchase', value: 59.98, transaction_id: 'T-1001',
      items: [{item_id: 'SKU-1', quantity: 2}], user_data: {email_address: 'jane@example.com'}
    });
    mockResponse(201, '{"ok":true}');
    runCode({
      method: 'post',
      url: 'https://hooks.example/orders/{transaction_id}',
      headers: [{name: 'Authorization', value: 'Bearer abc'}, {name: 'X-Order', value: 'order {transaction_id}'}],
      body_format: 'json',
      body: [
        {key: 'amount', value: '{value}'},
        {key: 'items', value: '{items}'},
        {key: 'label', value: 'Order {transaction_id} for {user_data.email_address}'},
        {key: 'missing', value: '{nope}'},
        {key: 'fixed', value: 'constant'}
      ],
      timeout_ms: '2500'
    });
    assertThat(sent.url).isEqualTo('https://hooks.example/orders/T-1001');
    assertThat(sent.options).isEqualTo({
      method: 'POST',
      headers: {'Authorization': 'Bearer abc', 'X-Order': 'order T-1001', 'Content-Type': 'application/json'},
      timeout: 2500
    });
    assertThat(JSON.parse(sent.body)).isEqualTo({
      amount: 59.98,
      items: [{item_id: 'SKU-1', quantity: 2}],
      label: 'Order T-1001 for jane@example.com',
      missing: '',
      fixed: 'constant'
    });
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: form body is URL-encoded and a configured Content-Type wins
  code: |-
    mock('getAllEventData', {click_id: 'a b&c', value: 10});
    mockResponse(200, '');
    runCode({
      method: 'PUT',
      url: 'https://p.example/f',
      headers: [{name: 'content-type', value: 'application/x-www-form-urlencoded; charset=utf-8'}],
      body_format: 'form',
      body: [{key: 'cid', value: '{click_id}'}, {key: 'amt', value: '{value}'}, {key: 'note', value: 'x=y'}]
    });
    assertThat(sent.body).isEqualTo('cid=a%20b%26c&amt=10&note=x%3Dy');
    assertThat(sent.options.headers).isEqualTo({'content-type': 'application/x-www-form-urlencoded; charset=utf-8'});
- name: whole event data as JSON, body fields on top
  code: |-
    const event = {event_name: 'sign_up', client_id: '1.2', value: 3};
    mock('getAllEventData', event);
    mockResponse(200, '');
    runCode({method: 'POST', url: 'https://p.example/e', body_format: 'none', body_include_event_data: true,
             body: [{key: 'value', value: '7'}, {key: 'source', value: 'tagd'}]});
    assertThat(JSON.parse(sent.body)).isEqualTo({event_name: 'sign_up', client_id: '1.2', value: '7', source: 'tagd'});
    assertThat(sent.options.headers['Content-Type']).isEqualTo('application/json');
- name: a variable-resolved non-string body value is sent as is
  code: |-
    mock('getAllEventData', {});
    mockResponse(200, '');
    runCode({method: 'POST', url: 'https://p.example/v', body_format: 'json',
             body: [{key: 'n', value: 42}, {key: 'o', value: {a: [1, 2]}}, {key: 'b', value: false}]});
    assertThat(JSON.parse(sent.body)).isEqualTo({n: 42, o: {a: [1, 2]}, b: false});
- name: status outside the success range fails and logs status and body
  code: |-
    mock('getAllEventData', {});
    mockResponse(500, 'upstream broke');
    runCode({url: 'https://p.example/pb'});
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
      assertApi('logToConsole').wasCalledWith({
        message: 'http-request: unexpected response status', method: 'GET', status: 500, body: 'upstream broke'
      });
    });
- name: a 3xx class in the success list accepts 302
  code: |-
    mock('getAllEventData', {});
    mockResponse(302, '');
    runCode({url: 'https://p.example/pb', success_status: '204, 3xx'});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: custom success list rejects a code outside it
  code: |-
    mock('getAllEventData', {});
    mockResponse(200, 'ok');
    runCode({url: 'https://p.example/pb', success_status: '201-202'});
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('gtmOnSuccess').wasNotCalled();
    });
- name: unreadable success_status falls back to 200-299 and says so
  code: |-
    mock('getAllEventData', {});
    mockResponse(250, '');
    runCode({url: 'https://p.example/pb', success_status: 'ok', timeout_ms: 'soon'});
    assertThat(sent.options.timeout).isEqualTo(5000);
    assertApi('logToConsole').wasCalledWith({
      message: 'http-request: cannot read success_status, using 200-299', success_status: 'ok'
    });
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: network failure or timeout fails the tag
  code: |-
    mock('getAllEventData', {});
    mock('sendHttpRequest', () => Promise.create((resolve, reject) => reject({reason: 'timed_out'})));
    runCode({url: 'https://p.example/pb'});
    callLater(() => {
      assertApi('gtmOnFailure').wasCalled();
      assertApi('logToConsole').wasCalledWith({message: 'http-request: request failed', method: 'GET', reason: 'timed_out'});
    });
- name: empty URL after expansion fails without sending
  code: |-
    mock('getAllEventData', {});
    mockResponse(200, '');
    runCode({url: '{missing}'});
    assertApi('sendHttpRequest').wasNotCalled();
    assertApi('gtmOnFailure').wasCalled();
    assertApi('logToConsole').wasCalledWith({message: 'http-request: url is empty'});
- name: unknown method fails without sending
  code: |-
    mock('getAllEventData', {});
    mockResponse(200, '');
    runCode({method: 'TRACE', url: 'https://p.example/'});
    assertApi('sendHttpRequest').wasNotCalled();
    assertApi('gtmOnFailure').wasCalled();
    assertApi('logToConsole').wasCalledWith({method: 'TRACE', message: 'http-request: unsupported method'});
- name: settings are trimmed and case-folded; odd header rows are skipped, values kept raw
  code: |-
    mock('getAllEventData', {click_id: 'a b&c', value: 5});
    mockResponse(200, '');
    runCode({
      method: ' patch ', url: '  https://p.example/h?c={click_id}  ', body_format: ' JSON ',
      headers: [
        {name: ' X-A ', value: 'id {click_id}'}, {name: '', value: 'no name'}, null,
        {name: 'X-N', value: 7}, {name: 'X-O', value: {k: 1}}, {name: 'X-U'},
        {name: 'Content-TYPE', value: 'text/plain'}
      ],
      body: [{key: 'v', value: '{value}'}]
    });
    assertThat(sent.url).isEqualTo('https://p.example/h?c=a%20b%26c');
    assertThat(sent.options).isEqualTo({
      method: 'PATCH',
      headers: {'X-A': 'id a b&c', 'X-N': '7', 'X-O': '{"k":1}', 'X-U': '', 'Content-TYPE': 'text/plain'},
      timeout: 5000
    });
    assertThat(sent.body).isEqualTo('{"v":5}');
    runCode({method: '', url: 'https://p.example/d', headers: 'X-A: b', body_format: 'xml'});
    assertThat(sent.options).isEqualTo({method: 'GET', headers: {}, timeout: 5000});
    assertThat(sent.body).isUndefined();
- name: macro edge cases in the URL
  code: |-
    mock('getAllEventData', {
      'a.b': 'flat', a: {b: 'nested', c: {d: 0}}, items: [{id: 'x'}, {id: 'y'}], event_name: '',
      payout: '', amount: null, value: 1.5, flag: true, obj: {k: [1, 'two']}, arr: [1, 2], nul: null,
      'we-ird_key.1': 'ok'
    });
    mockResponse(200, '');
    runCode({url: 'https://p.example/m?ab={a.b}&acd={a.c.d}&n={items.length}&i1={items.1.id}&e={event}' +
      '&p={payout}&am={amount}&s={sale_amount}&f={flag}&o={obj}&arr={arr}&nul={nul}&deep={a.b.c}' +
      '&proto={hasOwnProperty}&pp={__proto__}&len={a.length}&w={we-ird_key.1}&sp={ value }&e2={}' +
      '&dd={{value}}&x={value}&open={{value'});
    assertThat(sent.url).isEqualTo('https://p.example/m?ab=flat&acd=0&n=2&i1=y&e=' +
      '&p=1.5&am=1.5&s=1.5&f=true&o=%7B%22k%22%3A%5B1%2C%22two%22%5D%7D&arr=%5B1%2C2%5D&nul=&deep=' +
      '&proto=&pp=&len=&w=ok&sp={ value }&e2={}&dd={{value}}&x=1.5&open={{value');
- name: JSON body values keep or lose their type as configured
  code: |-
    mock('getAllEventData', {
      value: 5, flag: false, event_name: '', payout: '', user: {name: 'Jo'}, nul: null
    });
    mockResponse(200, '');
    runCode({method: 'POST', url: 'https://p.example/b', body_format: 'json', body: [
      {key: ' a ', value: ' {value} '}, {key: 'b', value: '{}'}, {key: 'c', value: '{value}{value}'},
      {key: 'd', value: '{nope}'}, {key: 'e', value: null}, {key: 'f'}, {key: 'g', value: '{{value}}'},
      {key: 'h', value: '{ value }'}, {key: 'i', value: '{user.name}'}, {key: 'j', value: '{event}'},
      {key: 'k', value: '{payout}'}, {key: 'l', value: '{flag}'}, {key: 'm', value: '{nul}'},
      {key: 123, value: 'num key'}, {key: '  ', value: 'blank key'}, null, {key: 'n', value: 'x {user}'}
    ]});
    assertThat(sent.body).isEqualTo('{"123":"num key","a":5,"b":"{}","c":"55","d":"","e":null,"f":"",' +
      '"g":"{{value}}","h":"{ value }","i":"Jo","j":"","k":5,"l":false,"m":"","n":"x {\\"name\\":\\"Jo\\"}"}');
    assertThat(sent.options.headers).isEqualTo({'Content-Type': 'application/json'});
- name: form body from the whole event data writes nested values as JSON text
  code: |-
    mock('getAllEventData', {
      event_name: 'purchase', value: 5, items: [{id: 'a'}], flag: true, none: null, 'sp ace': 'x y'
    });
    mockResponse(200, '');
    runCode({method: 'POST', url: 'https://p.example/f', body_format: 'Form',
             body_include_event_data: 'true',
             body: [{key: 'value', value: '{value}0'}, {key: 'extra', value: 'a=b&c'}]});
    assertThat(sent.body).isEqualTo('event_name=purchase&value=50&items=%5B%7B%22id%22%3A%22a%22%7D%5D' +
      '&flag=true&none=&sp%20ace=x%20y&extra=a%3Db%26c');
    assertThat(sent.options.headers).isEqualTo({'Content-Type': 'application/x-www-form-urlencoded'});
    runCode({method: 'POST', url: 'https://p.example/f', body_format: 'none',
             body_include_event_data: 'yes', body: [{key: 'k', value: 'v'}]});
    assertThat(sent.body).isUndefined();
- name: success status lists, timeouts and their log lines
  code: |-
    mock('getAllEventData', {});
    const logs = [];
    mock('logToConsole', (line) => { logs.push(JSON.stringify(line)); });
    const cases = [
      ['200-299', 299], ['200-299', 300], ['', 200], [' 204 , , 3XX ', 302], [' 204 , , 3XX ', 200],
      ['299-200', 250], ['6xx', 200], ['200 - 204', 204], ['200 - 204', 205], [',', 200], ['99', 404],
      ['a-b', 200], ['100-599', 599], ['2xx,4xx', 404], [204, 204], ['-200', 200], ['2xx,xx', 500]
    ];
    const timeouts = ['0', '-5', '1500.7', 2500, 'soon', undefined, '', '12e2'];
    const seen = [];
    for (let i = 0; i < cases.length; i++) {
      const status = cases[i][1];
      const label = cases[i][0] + '@' + status;
      mock('sendHttpRequest', (url, options) => {
        seen.push(options.timeout);
        return Promise.create((resolve) => resolve({statusCode: status, headers: {}, body: label}));
      });
      runCode({url: 'https://p.example/s', success_status: cases[i][0], timeout_ms: timeouts[i % timeouts.length]});
    }
    assertThat(seen).isEqualTo([5000, 5000, 1500, 2500, 5000, 5000, 5000, 1200, 5000, 5000, 1500, 2500, 5000, 5000, 5000, 1200, 5000]);
    callLater(() => {
      assertThat(logs).isEqualTo([
        '{"message":"http-request: unexpected response status","method":"GET","status":300,"body":"200-299@300"}',
        '{"message":"http-request: unexpected response status","method":"GET","status":200,"body":" 204 , , 3XX @200"}',
        '{"message":"http-request: cannot read success_status, using 200-299","success_status":"299-200"}',
        '{"message":"http-request: cannot read success_status, using 200-299","success_status":"6xx"}',
        '{"message":"http-request: unexpected response status","method":"GET","status":205,"body":"200 - 204@205"}',
        '{"message":"http-request: cannot read success_status, using 200-299","success_status":"99"}',
        '{"message":"http-request: unexpected response status","method":"GET","status":404,"body":"99@404"}',
        '{"message":"http-request: cannot read success_status, using 200-299","success_status":"a-b"}',
        '{"message":"http-request: cannot read success_status, using 200-299","success_status":"-200"}',
        '{"message":"http-request: cannot read success_status, using 200-299","success_status":"2xx,xx"}',
        '{"message":"http-request: unexpected response status","method":"GET","status":500,"body":"2xx,xx@500"}'
      ]);
    });
- name: failure logs cut long bodies and name a missing reason 'failed'
  code: |-
    mock('getAllEventData', {});
    const logs = [];
    mock('logToConsole', (line) => { logs.push(JSON.stringify(line)); });
    let long = '';
    for (let i = 0; i < 120; i++) {
      long += '0123456789';
    }
    mock('sendHttpRequest', () => Promise.create((resolve) => resolve({statusCode: 503, body: long})));
    runCode({method: 'DELETE', url: 'https://p.example/1'});
    mock('sendHttpRequest', () => Promise.create((resolve) => resolve({statusCode: 404, body: {error: 'gone'}})));
    runCode({url: 'https://p.example/2'});
    mock('sendHttpRequest', () => Promise.create((resolve, reject) => reject({})));
    runCode({url: 'https://p.example/3'});
    mock('sendHttpRequest', () => Promise.create((resolve, reject) => reject()));
    runCode({url: 'https://p.example/4'});
    mock('sendHttpRequest', () => Promise.create((resolve, reject) => reject({reason: 42})));
    runCode({url: 'https://p.example/5'});
    runCode({method: 7, url: 'https://p.example/6'});
    runCode({url: '   '});
    callLater(() => {
      assertThat(logs).isEqualTo([
        '{"message":"http-request: unexpected response status","method":"DELETE","status":503,"body":"' + long.substring(0, 1000) + '"}',
        '{"message":"http-request: unexpected response status","method":"GET","status":404,"body":"{\\"error\\":\\"gone\\"}"}',
        '{"message":"http-request: request failed","method":"GET","reason":"failed"}',
        '{"message":"http-request: request failed","method":"GET","reason":"failed"}',
        '{"message":"http-request: request failed","method":"GET","reason":"42"}',
        '{"method":"7","message":"http-request: unsupported method"}',
        '{"message":"http-request: url is empty"}'
      ]);
    });
setup: |-
  const JSON = require('JSON');
  const Promise = require('Promise');
  const callLater = require('callLater');
  let sent;
  // Records the request and answers with the given status and body.
  const mockResponse = (status, body) => {
    mock('sendHttpRequest', (url, options, requestBody) => {
      sent = {url: url, options: options, body: requestBody};
      return Promise.create((resolve) => resolve({statusCode: status, headers: {}, body: body}));
    });
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
