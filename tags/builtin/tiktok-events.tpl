___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "TikTok Events API",
  "categories": [
    "ADVERTISING",
    "CONVERSIONS"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Sends each event to TikTok's Events API 2.0 (/open_api/v1.3/event/track/): GA4 event names become TikTok standard events, email/phone/external_id are normalised and SHA-256 hashed, ttclid and _ttp come from event data, the landing URL or cookies.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "pixel_code",
    "displayName": "Pixel code",
    "simpleValueType": true,
    "valueHint": "C1234567890ABCDEF",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "alwaysInSummary": true,
    "help": "The TikTok pixel code (event_source_id), from TikTok Events Manager."
  },
  {
    "type": "TEXT",
    "name": "access_token",
    "displayName": "Access token",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "help": "An Events API access token generated for the pixel in TikTok Events Manager. Sent in the Access-Token header."
  },
  {
    "type": "TEXT",
    "name": "test_event_code",
    "displayName": "Test event code",
    "simpleValueType": true,
    "help": "Optional. Routes events to the Test Events tab of TikTok Events Manager (e.g. TEST12345). Remove it in production."
  },
  {
    "type": "TEXT",
    "name": "event_name_override",
    "displayName": "Event name override",
    "simpleValueType": true,
    "help": "Optional. When set, every event is sent under this name, ignoring the mapping below."
  },
  {
    "type": "SIMPLE_TABLE",
    "name": "event_name_map",
    "displayName": "Extra event name mapping",
    "simpleTableColumns": [
      {
        "defaultValue": "",
        "displayName": "Event name (from event data)",
        "name": "from",
        "type": "TEXT",
        "isUnique": true
      },
      {
        "defaultValue": "",
        "displayName": "TikTok event name",
        "name": "to",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add mapping",
    "help": "Optional rows checked before the built-in GA4 to TikTok mapping."
  },
  {
    "type": "CHECKBOX",
    "name": "send_user_data",
    "checkboxText": "Send hashed customer information",
    "displayName": "Customer information",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "When ticked, customer information from user_data (email, phone, ...) is normalised and SHA-256 hashed. Values that already are SHA-256 hex are passed through. TikTok rules: email trimmed and lower-cased, phone in E.164 with +, external_id (user_data.external_id or user_id) trimmed."
  },
  {
    "type": "TEXT",
    "name": "default_phone_country_code",
    "displayName": "Default phone country code",
    "simpleValueType": true,
    "valueHint": "44",
    "help": "Optional calling code (digits, e.g. 1 or 44) for phone numbers written without + or 00. Such numbers are then taken as national numbers: leading zeros are dropped and this code is put in front. Leave empty when your numbers already carry their country code."
  },
  {
    "type": "CHECKBOX",
    "name": "respect_consent",
    "checkboxText": "Honour the event's consent signals",
    "displayName": "Consent",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "Reads consent_state (or consent, x-ga-gcs, x-ga-gcd) from the event. Denied ad_user_data: no customer information and no IP address is sent. Denied ad_storage: see below. Events without consent signals are sent normally. Untick only when consent is enforced elsewhere (for example by a blocking trigger).",
    "subParams": [
      {
        "type": "SELECT",
        "name": "ad_storage_denied",
        "displayName": "When ad_storage is denied",
        "macrosInSelect": false,
        "selectItems": [
          {
            "value": "skip",
            "displayValue": "Do not send the event"
          },
          {
            "value": "anonymous",
            "displayValue": "Send it without cookie and click identifiers"
          }
        ],
        "simpleValueType": true,
        "defaultValue": "skip",
        "enablingConditions": [
          {
            "paramName": "respect_consent",
            "paramValue": true,
            "type": "EQUALS"
          }
        ],
        "help": "Do not send: the tag succeeds without a request. Send without identifiers: browser and click ids (cookies, click ids from the landing URL) are left out."
      }
    ]
  },
  {
    "type": "CHECKBOX",
    "name": "limited_data_use",
    "checkboxText": "Flag events for limited data use",
    "displayName": "Limited data use",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Sets limited_data_use: true on each event (US state privacy laws)."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Math = require('Math');
const Object = require('Object');
const getAllEventData = require('getAllEventData');
const getCookieValues = require('getCookieValues');
const getTimestampMillis = require('getTimestampMillis');
const getType = require('getType');
const logToConsole = require('logToConsole');
const makeInteger = require('makeInteger');
const makeNumber = require('makeNumber');
const makeString = require('makeString');
const parseUrl = require('parseUrl');
const sendHttpRequest = require('sendHttpRequest');
const sha256Sync = require('sha256Sync');

const TRACK_URL = 'https://business-api.tiktok.com/open_api/v1.3/event/track/';
const MAX_LOGGED_BODY = 1000;
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';

// GA4 recommended events to TikTok standard events (Events API 2.0 names). Names matched
// by neither this table nor the mapping parameter are sent unchanged as custom events.
const STANDARD_EVENTS = {
  page_view: 'Pageview',
  view_item: 'ViewContent',
  search: 'Search',
  add_to_wishlist: 'AddToWishlist',
  add_to_cart: 'AddToCart',
  begin_checkout: 'InitiateCheckout',
  add_payment_info: 'AddPaymentInfo',
  purchase: 'CompletePayment',
  generate_lead: 'SubmitForm',
  sign_up: 'CompleteRegistration',
  contact: 'Contact',
  subscribe: 'Subscribe',
  file_download: 'Download'
};

const eventData = getAllEventData() || {};

const pixelCode = text(data.pixel_code).trim();
const accessToken = text(data.access_token).trim();
if (!pixelCode || !accessToken) {
  logToConsole({message: 'tiktok-events: pixel_code and access_token are required'});
  data.gtmOnFailure('tiktok-events: pixel_code and access_token are required');
  return;
}
const eventName = mappedName(text(eventData.event_name).trim(), STANDARD_EVENTS, false);
if (!eventName) {
  logToConsole({message: 'tiktok-events: the event has no event_name'});
  data.gtmOnFailure('tiktok-events: the event has no event_name');
  return;
}
const consent = consentPolicy();
if (!consent.send) {
  logToConsole({message: 'tiktok-events: ad_storage consent denied, event not sent', event: eventName});
  return data.gtmOnSuccess();
}

const event = {event: eventName, event_time: eventTime()};
const transactionId = text(eventData.transaction_id).trim();
setIf(event, 'event_id', text(eventData.event_id).trim() || transactionId);
const pageLocation = text(eventData.page_location).trim();
event.user = buildUser();
const pageReferrer = text(eventData.page_referrer).trim();
if (pageLocation || pageReferrer) {
  event.page = {};
  setIf(event.page, 'url', pageLocation);
  setIf(event.page, 'referrer', pageReferrer);
}
const properties = buildProperties();
if (Object.keys(properties).length > 0) {
  event.properties = properties;
}
if (flag(data.limited_data_use, false)) {
  event.limited_data_use = true;
}

const body = {event_source: 'web', event_source_id: pixelCode};
setIf(body, 'test_event_code', text(data.test_event_code).trim());
body.data = [event];

sendHttpRequest(TRACK_URL, {
  method: 'POST',
  headers: {'Access-Token': accessToken, 'Content-Type': 'application/json'}
}, JSON.stringify(body)).then((result) => {
  const parsed = JSON.parse(text(result.body));
  const answer = getType(parsed) === 'object' ? parsed : {};
  // TikTok reports most errors with HTTP 200 and a non-zero code.
  if (result.statusCode >= 200 && result.statusCode < 300 && answer.code === 0) {
    data.gtmOnSuccess();
    return;
  }
  const line = {message: 'tiktok-events: TikTok rejected the event', event: eventName, status: result.statusCode};
  setIf(line, 'code', answer.code);
  setIf(line, 'error_message', text(answer.message));
  setIf(line, 'request_id', text(answer.request_id));
  if (!line.error_message) {
    line.body = text(result.body).substring(0, MAX_LOGGED_BODY);
  }
  logToConsole(line);
  data.gtmOnFailure('tiktok-events: HTTP ' + result.statusCode + ': ' +
    (line.error_message ? line.error_message + ' (code ' + text(answer.code) + ')' : line.body));
}, (err) => {
  const reason = text(err && err.reason) || 'failed';
  logToConsole({message: 'tiktok-events: request failed', event: eventName, reason: reason});
  data.gtmOnFailure('tiktok-events: request ' + reason);
});

// TikTok's rules: email trimmed and lower-cased, phone in E.164 with +, external_id
// trimmed; all SHA-256. ttclid, ttp, IP and user agent are sent as received.
function buildUser() {
  const user = {};
  // Customer data can only come from user_data, user_id or a flat 'user_data.<field>' key:
  // events with none of them skip the field lookups and the hashing altogether.
  if ((eventData.user_data !== undefined || eventData.user_id !== undefined ||
       eventData['user_data.email_address'] !== undefined || eventData['user_data.email'] !== undefined ||
       eventData['user_data.sha256_email_address'] !== undefined ||
       eventData['user_data.phone_number'] !== undefined ||
       eventData['user_data.sha256_phone_number'] !== undefined ||
       eventData['user_data.external_id'] !== undefined) &&
      flag(data.send_user_data, true) && consent.userData) {
    hashCustomerData(user);
  }
  if (consent.identifiers) {
    // parseUrl is costly: a URL with neither 'ttclid' nor a %-escape in it cannot carry
    // that parameter.
    setIf(user, 'ttclid', text(eventData.ttclid).trim() ||
      (pageLocation.indexOf('ttclid') >= 0 || pageLocation.indexOf('%') >= 0 ?
        queryParam(pageLocation, 'ttclid') : '') ||
      firstCookie('ttclid'));
    setIf(user, 'ttp', text(eventData.ttp).trim() || text(eventData._ttp).trim() || firstCookie('_ttp'));
  }
  if (consent.userData) {
    setIf(user, 'ip', text(eventData.ip_override).trim());
  }
  setIf(user, 'user_agent', text(eventData.user_agent));
  // en-us (GA4's language) becomes en-US: the first part lower case, the second (after
  // '-' or '_') upper case. Found with indexOf instead of splitting and joining.
  const language = text(eventData.language).trim();
  let cut = language.indexOf('-');
  const underscore = language.indexOf('_');
  if (underscore >= 0 && (cut < 0 || underscore < cut)) {
    cut = underscore;
  }
  const first = cut < 0 ? language : language.substring(0, cut);
  if (first) {
    let second = '';
    if (cut >= 0) {
      let end = language.indexOf('-', cut + 1);
      const endUnderscore = language.indexOf('_', cut + 1);
      if (endUnderscore >= 0 && (end < 0 || endUnderscore < end)) {
        end = endUnderscore;
      }
      second = end < 0 ? language.substring(cut + 1) : language.substring(cut + 1, end);
    }
    user.locale = second ? first.toLowerCase() + '-' + second.toUpperCase() : first.toLowerCase();
  }
  return user;

  // The hashed customer fields. A function of its own, so that it and the shared helpers
  // below are only created for events that carry customer data.
  function hashCustomerData(user) {
    const emails = hashValues(firstValues(['user_data.email_address', 'user_data.email', 'user_data.sha256_email_address']),
      (raw) => raw.trim().toLowerCase());
    const phones = hashValues(firstValues(['user_data.phone_number', 'user_data.sha256_phone_number']), phoneE164);
    const ids = hashValues(firstValues(['user_data.external_id', 'user_id']), (raw) => raw.trim());
    // One value is sent as a string, several as an array.
    if (emails.length > 0) {
      user.email = emails.length === 1 ? emails[0] : emails;
    }
    if (phones.length > 0) {
      user.phone = phones.length === 1 ? phones[0] : phones;
    }
    if (ids.length > 0) {
      user.external_id = ids.length === 1 ? ids[0] : ids;
    }

    // hashValues normalises and SHA-256 hashes (lower-case hex) each string or number in
    // values. A value that already is 64 hex characters is taken as a hash and passed through
    // lower-cased. Values the normaliser empties, and repeats, are dropped.
    function hashValues(values, normalise) {
      const out = [];
      for (let i = 0; i < values.length; i++) {
        const value = values[i];
        const type = getType(value);
        if (type !== 'string' && type !== 'number') {
          continue;
        }
        const raw = makeString(value).trim();
        if (!raw) {
          continue;
        }
        let hashed = '';
        if (isSha256Hex(raw)) {
          hashed = raw.toLowerCase();
        } else {
          const normalised = normalise(raw);
          if (normalised) {
            hashed = sha256Sync(normalised, {outputEncoding: 'hex'});
          }
        }
        if (hashed && out.indexOf(hashed) < 0) {
          out.push(hashed);
        }
      }
      return out;
    }

    // firstValues returns the values at the first key path in paths that yields any.
    function firstValues(paths) {
      for (let i = 0; i < paths.length; i++) {
        const values = valuesAt(eventData, paths[i]).filter((value) => text(value).trim() !== '');
        if (values.length > 0) {
          return values;
        }
      }
      return [];
    }

    // phoneDigits gives a phone number as country code + national number, digits only. A
    // number written with + or 00 already carries its country code. Otherwise, when
    // default_phone_country_code is set, the number is national: its trunk zeros are dropped
    // and the code put in front. Without it, leading zeros are dropped (Meta SDK behaviour).
    function phoneDigits(raw) {
      const trimmed = text(raw).trim();
      const digits = keepOnly(trimmed, DIGITS);
      if (!digits || trimmed.charAt(0) === '+') {
        return digits;
      }
      if (digits.substring(0, 2) === '00') {
        return digits.substring(2);
      }
      let national = digits;
      while (national.charAt(0) === '0') {
        national = national.substring(1);
      }
      return national ? keepOnly(text(data.default_phone_country_code), DIGITS) + national : '';
    }

    // phoneE164 is phoneDigits with the leading + of E.164.
    function phoneE164(raw) {
      const digits = phoneDigits(raw);
      return digits ? '+' + digits : '';
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

    function isSha256Hex(value) {
      return value.length === 64 && keepOnly(value.toLowerCase(), HEX).length === 64;
    }

    // Copies nothing when every character is allowed, the common case.
    function keepOnly(value, allowed) {
      let i = 0;
      while (i < value.length && allowed.indexOf(value[i]) >= 0) {
        i++;
      }
      if (i === value.length) {
        return value;
      }
      let out = value.substring(0, i);
      for (i++; i < value.length; i++) {
        if (allowed.indexOf(value[i]) >= 0) {
          out += value[i];
        }
      }
      return out;
    }
  }
}

function buildProperties() {
  const out = {};
  setIf(out, 'currency', text(eventData.currency).trim().toUpperCase());
  setIf(out, 'value', numberOr(eventData.value, undefined));
  const items = getType(eventData.items) === 'array' ? eventData.items : [];
  const contents = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (getType(item) !== 'object') {
      continue;
    }
    const content = {};
    setIf(content, 'content_id', text(item.item_id).trim() || text(item.id).trim());
    setIf(content, 'content_name', text(item.item_name).trim());
    setIf(content, 'content_category', text(item.item_category).trim());
    setIf(content, 'brand', text(item.item_brand).trim());
    setIf(content, 'price', numberOr(item.price, undefined));
    // integerOr(item.quantity, 1), written out: the shared helper is not needed elsewhere.
    const number = numberOr(item.quantity, undefined);
    const quantity = number === undefined ? 1 : makeInteger(number);
    content.quantity = quantity > 0 ? quantity : 1;
    if (content.content_id || content.content_name) {
      contents.push(content);
    }
  }
  if (contents.length > 0) {
    out.contents = contents;
    out.content_type = 'product';
  }
  setIf(out, 'order_id', transactionId);
  setIf(out, 'query', text(eventData.search_term).trim());
  setIf(out, 'description', text(eventData.description).trim());
  return out;
}

// mappedName: the override parameter, then the event_name_map table, then the built-in
// table; anything else is returned as given (or '' when unknownAsEmpty).
function mappedName(name, builtIn, unknownAsEmpty) {
  const override = text(data.event_name_override).trim();
  if (override) {
    return override;
  }
  if (!name) {
    return '';
  }
  const rows = getType(data.event_name_map) === 'array' ? data.event_name_map : [];
  for (let i = 0; i < rows.length; i++) {
    const row = getType(rows[i]) === 'object' ? rows[i] : {};
    const to = text(row.to).trim();
    if (to && text(row.from).trim() === name) {
      return to;
    }
  }
  if (hasKey(builtIn, name)) {
    return builtIn[name];
  }
  return unknownAsEmpty ? '' : name;
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

// consentPolicy applies tagd's advertising consent rules. Denied ad_user_data: no customer
// information (hashed fields, external ids, IP address). Denied ad_storage: the event is not
// sent, or with ad_storage_denied = 'anonymous' it is sent without cookie and click ids.
// No signal counts as granted (consent mode not in use).
function consentPolicy() {
  if (!flag(data.respect_consent, true)) {
    return {send: true, userData: true, identifiers: true};
  }
  const storageDenied = consentState('ad_storage') === 'denied';
  return {
    send: !storageDenied || text(data.ad_storage_denied).trim() === 'anonymous',
    userData: consentState('ad_user_data') !== 'denied',
    identifiers: !storageDenied
  };
}

// firstCookie returns the first value of a request cookie, or ''.
function firstCookie(name) {
  const values = getCookieValues(name);
  return getType(values) === 'array' && values.length > 0 ? text(values[0]).trim() : '';
}

// Unix seconds. event_time in event data may be seconds or milliseconds.
function eventTime() {
  let time = numberOr(eventData.event_time, 0);
  if (!(time > 0)) {
    time = getTimestampMillis();
  }
  if (time > 100000000000) {
    time = time / 1000;
  }
  return Math.floor(time);
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

function setIf(obj, key, value) {
  if (value !== undefined && value !== null && value !== '') {
    obj[key] = value;
  }
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
            "string": "specific"
          }
        },
        {
          "key": "urls",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "https://business-api.tiktok.com/open_api/v1.3/event/track/"
              }
            ]
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
        "publicId": "get_cookies",
        "versionId": "1"
      },
      "param": [
        {
          "key": "cookieAccess",
          "value": {
            "type": 1,
            "string": "specific"
          }
        },
        {
          "key": "cookieNames",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "_ttp"
              },
              {
                "type": 1,
                "string": "ttclid"
              }
            ]
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
- name: a purchase becomes CompletePayment with hashed user data and the Access-Token header
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{"code":0,"message":"OK","request_id":"r1","data":{}}');
    runCode(config({test_event_code: 'TEST123'}));
    assertThat(request.url).isEqualTo('https://business-api.tiktok.com/open_api/v1.3/event/track/');
    assertThat(request.options).isEqualTo({method: 'POST', headers: {'Access-Token': 'tt-token', 'Content-Type': 'application/json'}});
    assertThat(request.body).isEqualTo({
      event_source: 'web', event_source_id: 'CPIXEL123', test_event_code: 'TEST123',
      data: [{
        event: 'CompletePayment', event_time: 1716200000, event_id: 'evt-T-1001',
        user: {
          email: '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
          phone: '8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4',
          external_id: 'fafe5e551759817bdc65038b8cb1a8263b1a8b3b60c269d67ff0f8c57ae0f733',
          ttclid: 'E.C.P.abc123', ttp: '01JS9GTZ60B6SNRQHT5JB32ED9_.tt.1',
          ip: '198.51.100.23', user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0', locale: 'en-US'
        },
        page: {url: 'https://shop.example/checkout/thanks?ttclid=E.C.P.abc123', referrer: 'https://shop.example/cart'},
        properties: {
          currency: 'USD', value: 59.98, content_type: 'product', order_id: 'T-1001',
          contents: [
            {content_id: 'SKU-1', content_name: 'Blue Mug', content_category: 'Kitchen', price: 19.99, quantity: 2},
            {content_id: 'SKU-2', content_name: 'Green Tea', price: 20, quantity: 1}
          ]
        }
      }]
    });
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: GA4 names map to TikTok events; the table and the override win; unknown names pass through
  code: |-
    respond(200, '{"code":0}');
    const cases = [['page_view', 'Pageview'], ['view_item', 'ViewContent'], ['add_to_cart', 'AddToCart'],
      ['begin_checkout', 'InitiateCheckout'], ['generate_lead', 'SubmitForm'], ['sign_up', 'CompleteRegistration'],
      ['search', 'Search'], ['tutorial_begin', 'tutorial_begin']];
    cases.forEach((c) => {
      mock('getAllEventData', {event_name: c[0], event_time: 1716200000});
      runCode(config({}));
      assertThat(request.body.data[0].event, c[0]).isEqualTo(c[1]);
    });
    mock('getAllEventData', {event_name: 'purchase'});
    runCode(config({event_name_map: [{from: 'purchase', to: 'PlaceAnOrder'}]}));
    assertThat(request.body.data[0].event).isEqualTo('PlaceAnOrder');
    runCode(config({event_name_override: 'Lead'}));
    assertThat(request.body.data[0].event).isEqualTo('Lead');
- name: ttclid and ttp fall back to cookies; several emails become an array; hashes pass through
  code: |-
    mock('getCookieValues', (name) => name === '_ttp' ? ['cookie-ttp'] : (name === 'ttclid' ? ['cookie-click'] : []));
    mock('getAllEventData', {
      event_name: 'sign_up',
      user_data: {email_address: ['Jane.Doe@Example.com', 'B@example.com'],
                  sha256_phone_number: '8A59780BB8CD2BA022BFA5BA2EA3B6E07AF17A7D8B30C1F9B3390E36F69019E4'}
    });
    respond(200, '{"code":0}');
    runCode(config({}));
    const user = request.body.data[0].user;
    assertThat(user.email).isEqualTo([
      '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
      'e8f39b3e1382367d6d41ab34dc270d4e7533f978c9e9a775dfe2185b2f96b96c'
    ]);
    assertThat(user.phone).isEqualTo('8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4');
    assertThat(user.ttclid).isEqualTo('cookie-click');
    assertThat(user.ttp).isEqualTo('cookie-ttp');
- name: national phone numbers take the default country code before hashing
  code: |-
    mock('getAllEventData', {event_name: 'contact', user_data: {phone_number: '(555) 123-4567'}});
    respond(200, '{"code":0}');
    runCode(config({default_phone_country_code: '1'}));
    assertThat(request.body.data[0].user.phone).isEqualTo('8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4');
- name: consent decides what is sent
  code: |-
    respond(200, '{"code":0}');
    const withConsent = (state) => {
      const ev = {};
      Object.keys(purchaseEvent).forEach((key) => { ev[key] = purchaseEvent[key]; });
      ev.consent_state = state;
      return ev;
    };
    mock('getAllEventData', withConsent({ad_storage: 'denied'}));
    runCode(config({}));
    assertApi('sendHttpRequest').wasNotCalled();
    assertApi('gtmOnSuccess').wasCalled();
    runCode(config({ad_storage_denied: 'anonymous'}));
    assertThat(request.body.data[0].user.ttclid).isUndefined();
    assertThat(request.body.data[0].user.ttp).isUndefined();
    assertThat(request.body.data[0].user.email).isDefined();
    mock('getAllEventData', withConsent({ad_storage: 'granted', ad_user_data: 'denied'}));
    runCode(config({}));
    assertThat(request.body.data[0].user).isEqualTo({
      ttclid: 'E.C.P.abc123', ttp: '01JS9GTZ60B6SNRQHT5JB32ED9_.tt.1',
      user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0', locale: 'en-US'
    });
- name: limited data use and send_user_data off
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{"code":0}');
    runCode(config({limited_data_use: true, send_user_data: false}));
    assertThat(request.body.data[0].limited_data_use).isTrue();
    assertThat(request.body.data[0].user.email).isUndefined();
    assertThat(request.body.data[0].user.ip).isEqualTo('198.51.100.23');
- name: a non-zero code fails the tag with TikTok's message
  code: |-
    mock('getAllEventData', {event_name: 'purchase'});
    respond(200, '{"code":40001,"message":"No permission to operate pixel code","request_id":"r9"}');
    runCode(config({}));
    callLater(() => {
      assertApi('gtmOnSuccess').wasNotCalled();
      assertApi('gtmOnFailure').wasCalledWith('tiktok-events: HTTP 200: No permission to operate pixel code (code 40001)');
      assertApi('logToConsole').wasCalledWith({
        message: 'tiktok-events: TikTok rejected the event', event: 'CompletePayment', status: 200,
        code: 40001, error_message: 'No permission to operate pixel code', request_id: 'r9'
      });
    });
- name: network failure and missing settings fail the tag
  code: |-
    mock('getAllEventData', {event_name: 'purchase'});
    mock('sendHttpRequest', () => Promise.create((resolve, reject) => reject({reason: 'timed_out'})));
    runCode(config({}));
    callLater(() => assertApi('gtmOnFailure').wasCalledWith('tiktok-events: request timed_out'));
    runCode(config({pixel_code: ''}));
    assertApi('gtmOnFailure').wasCalledWith('tiktok-events: pixel_code and access_token are required');
- name: customer data from a user_data list, a flat user_data.<field> key and later sources
  code: |-
    mock('getAllEventData', {
      event_name: 'sign_up',
      'user_data.email': 'B@example.com',
      user_data: [{email_address: '  ', email: 'other@example.com', phone_number: '001 555 123 4567'}, null, {phone_number: null}],
      user_id: ' id 7 '
    });
    respond(200, '{"code":0}');
    runCode(config({}));
    const user = request.body.data[0].user;
    assertThat(user.email).isEqualTo('e8f39b3e1382367d6d41ab34dc270d4e7533f978c9e9a775dfe2185b2f96b96c');
    assertThat(user.phone).isEqualTo('8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4');
    assertThat(user.external_id).isEqualTo('444ea32551988dfe69897e93324925e07b95f9e8bec9b81abc49446f5944ad17');
- name: locale forms, a percent-encoded ttclid parameter and item quantities
  code: |-
    respond(200, '{"code":0}');
    const locales = [['en_gb', 'en-GB'], ['DE', 'de'], ['zh-hant-tw', 'zh-HANT'], ['pt-', 'pt'], ['-us', undefined]];
    locales.forEach((c) => {
      mock('getAllEventData', {event_name: 'page_view', language: c[0]});
      runCode(config({}));
      assertThat(request.body.data[0].user.locale, c[0]).isEqualTo(c[1]);
    });
    mock('getAllEventData', {
      event_name: 'add_to_cart', page_location: 'https://shop.example/?%74tclid=T3',
      items: [{item_id: 'A', quantity: 0}, {item_name: 'B', quantity: '3'}, {price: 5}, 'junk']
    });
    runCode(config({}));
    assertThat(request.body.data[0].user.ttclid).isEqualTo('T3');
    assertThat(request.body.data[0].properties).isEqualTo({
      contents: [{content_id: 'A', quantity: 1}, {content_name: 'B', quantity: 3}], content_type: 'product'
    });
setup: |-
  const JSON = require('JSON');
  const Object = require('Object');
  const Promise = require('Promise');
  const callLater = require('callLater');
  let request;
  const respond = (status, responseBody) => {
    mock('sendHttpRequest', (url, options, body) => {
      request = {url: url, options: options, body: JSON.parse(body)};
      return Promise.create((resolve) => resolve({statusCode: status, headers: {}, body: responseBody}));
    });
  };
  const config = (extra) => {
    const params = {pixel_code: 'CPIXEL123', access_token: 'tt-token', send_user_data: true, respect_consent: true,
                    ad_storage_denied: 'skip', limited_data_use: false};
    Object.keys(extra).forEach((key) => { params[key] = extra[key]; });
    return params;
  };
  const purchaseEvent = {
    event_name: 'purchase',
    event_id: 'evt-T-1001',
    event_time: 1716200000,
    page_location: 'https://shop.example/checkout/thanks?ttclid=E.C.P.abc123',
    page_referrer: 'https://shop.example/cart',
    ip_override: '198.51.100.23',
    user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
    language: 'en-us',
    user_id: 'User-42',
    currency: 'usd',
    value: 59.98,
    transaction_id: 'T-1001',
    items: [
      {item_id: 'SKU-1', item_name: 'Blue Mug', item_category: 'Kitchen', price: 19.99, quantity: 2},
      {item_id: 'SKU-2', item_name: 'Green Tea', price: 20}
    ],
    user_data: {email_address: ' Jane.Doe@Example.com ', phone_number: '+1 (555) 123-4567'},
    _ttp: '01JS9GTZ60B6SNRQHT5JB32ED9_.tt.1'
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
