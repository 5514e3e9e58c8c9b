___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Pinterest Conversions API",
  "categories": [
    "ADVERTISING",
    "CONVERSIONS"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Sends each event to the Pinterest API for Conversions (v5 events): GA4 event names become Pinterest event names, customer information is normalised and SHA-256 hashed, the epik click id is passed on.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "ad_account_id",
    "displayName": "Ad account ID",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "alwaysInSummary": true,
    "help": "The Pinterest ad account ID the conversions belong to."
  },
  {
    "type": "TEXT",
    "name": "access_token",
    "displayName": "Conversion access token",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "help": "A conversion access token generated in Pinterest Ads Manager (Conversions). Sent as Authorization: Bearer."
  },
  {
    "type": "SELECT",
    "name": "action_source",
    "displayName": "Action source",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "web",
        "displayValue": "Web"
      },
      {
        "value": "app_android",
        "displayValue": "Android app"
      },
      {
        "value": "app_ios",
        "displayValue": "iOS app"
      },
      {
        "value": "offline",
        "displayValue": "Offline"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "web",
    "help": "Where the conversion happened."
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
        "displayName": "Pinterest event name",
        "name": "to",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add mapping",
    "help": "Optional rows checked before the built-in GA4 to Pinterest mapping."
  },
  {
    "type": "CHECKBOX",
    "name": "send_user_data",
    "checkboxText": "Send hashed customer information",
    "displayName": "Customer information",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "When ticked, customer information from user_data (email, phone, ...) is normalised and SHA-256 hashed. Values that already are SHA-256 hex are passed through. Pinterest uses Meta's rules; each field is sent as a list of hashes."
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
    "name": "test_mode",
    "checkboxText": "Send with test=true",
    "displayName": "Test mode",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Adds ?test=true: Pinterest validates the events without recording them."
  }
]


___SANDBOXED_JS_FOR_SERVER___

const JSON = require('JSON');
const Math = require('Math');
const Object = require('Object');
const encodeUriComponent = require('encodeUriComponent');
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

const PINTEREST_URL = 'https://api.pinterest.com/v5/ad_accounts/';
const MAX_LOGGED_BODY = 1000;
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const WHITESPACE = ' \t\n\r\f\v\u00a0';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
// Full US state names (lower case, no spaces) to the two-letter codes the vendors expect,
// read by normaliseUserField. Only a region needs the large table, so buildUserData fills
// it in (usStates) when it first hashes one instead of every run building it.
let US_STATES;

// GA4 recommended events to Pinterest's event names; anything else is sent as 'custom'
// (Pinterest accepts only its own names).
const STANDARD_EVENTS = {
  page_view: 'page_visit',
  view_item: 'page_visit',
  view_item_list: 'view_category',
  search: 'search',
  add_to_cart: 'add_to_cart',
  purchase: 'checkout',
  sign_up: 'signup',
  generate_lead: 'lead',
  video_start: 'watch_video'
};

const eventData = getAllEventData() || {};

const adAccountId = text(data.ad_account_id).trim();
const token = text(data.access_token).trim();
if (!adAccountId || !token) {
  logToConsole({message: 'pinterest-capi: ad_account_id and access_token are required'});
  data.gtmOnFailure('pinterest-capi: ad_account_id and access_token are required');
  return;
}
const sourceName = text(eventData.event_name).trim();
if (!sourceName && !text(data.event_name_override).trim()) {
  logToConsole({message: 'pinterest-capi: the event has no event_name'});
  data.gtmOnFailure('pinterest-capi: the event has no event_name');
  return;
}
const eventName = mappedName(sourceName, STANDARD_EVENTS, true) || 'custom';
const consent = consentPolicy();
if (!consent.send) {
  logToConsole({message: 'pinterest-capi: ad_storage consent denied, event not sent', event_name: eventName});
  return data.gtmOnSuccess();
}

const event = {event_name: eventName, action_source: text(data.action_source).trim() || 'web', event_time: eventTime()};
// Pinterest requires an event_id; without one from the event the order id still dedups.
const transactionId = text(eventData.transaction_id).trim();
event.event_id = text(eventData.event_id).trim() || transactionId ||
  sourceName + '.' + makeString(getTimestampMillis());
const pageLocation = text(eventData.page_location).trim();
setIf(event, 'event_source_url', pageLocation);
event.opt_out = false;
event.user_data = buildUserData();
const customData = buildCustomData();
if (Object.keys(customData).length > 0) {
  event.custom_data = customData;
}
const language = text(eventData.language).trim().toLowerCase().substring(0, 2);
if (keepOnly(language, LETTERS).length === 2) {
  event.language = language;
}

const url = PINTEREST_URL + encodeUriComponent(adAccountId) + '/events' +
  (flag(data.test_mode, false) ? '?test=true' : '');
sendHttpRequest(url, {
  method: 'POST',
  headers: {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'}
}, JSON.stringify({data: [event]})).then((result) => {
  const parsed = JSON.parse(text(result.body));
  const answer = getType(parsed) === 'object' ? parsed : {};
  const results = getType(answer.events) === 'array' ? answer.events : [];
  const failed = [];
  for (let i = 0; i < results.length; i++) {
    if (getType(results[i]) === 'object' && text(results[i].status) === 'failed') {
      failed.push(results[i]);
    }
  }
  if (result.statusCode >= 200 && result.statusCode < 300 && failed.length === 0) {
    data.gtmOnSuccess();
    return;
  }
  const line = {message: 'pinterest-capi: Pinterest rejected the event', event_name: eventName, status: result.statusCode};
  setIf(line, 'code', answer.code);
  setIf(line, 'error_message', failed.length > 0 ? text(failed[0].error_message) : text(answer.message));
  if (!line.error_message) {
    line.body = text(result.body).substring(0, MAX_LOGGED_BODY);
  }
  logToConsole(line);
  data.gtmOnFailure('pinterest-capi: HTTP ' + result.statusCode + ': ' + (line.error_message || line.body));
}, (err) => {
  const reason = text(err && err.reason) || 'failed';
  logToConsole({message: 'pinterest-capi: request failed', event_name: eventName, reason: reason});
  data.gtmOnFailure('pinterest-capi: request ' + reason);
});

// Every hashed field is a list of SHA-256 values; IP, user agent and click id are raw.
function buildUserData() {
  const out = {};
  // Customer data can only come from user_data, user_id or a source of the field table
  // below written as one flat key of the event: events with none of them skip the table.
  // Looking up each flat spelling costs less than listing the event's keys.
  const customerData = eventData.user_data !== undefined || eventData.user_id !== undefined ||
    eventData['user_data.email_address'] !== undefined || eventData['user_data.email'] !== undefined ||
    eventData['user_data.sha256_email_address'] !== undefined ||
    eventData['user_data.phone_number'] !== undefined || eventData['user_data.sha256_phone_number'] !== undefined ||
    eventData['user_data.address.first_name'] !== undefined ||
    eventData['user_data.address.sha256_first_name'] !== undefined ||
    eventData['user_data.address.last_name'] !== undefined ||
    eventData['user_data.address.sha256_last_name'] !== undefined ||
    eventData['user_data.gender'] !== undefined || eventData['user_data.date_of_birth'] !== undefined ||
    eventData['user_data.address.city'] !== undefined || eventData['user_data.address.region'] !== undefined ||
    eventData['user_data.address.postal_code'] !== undefined ||
    eventData['user_data.address.country'] !== undefined || eventData['user_data.external_id'] !== undefined;
  if (customerData && flag(data.send_user_data, true) && consent.userData) {
    // Where each field is read from, most specific first; the first source that yields a
    // hash wins. Paths descend into arrays (user_data.address may be a list).
    const fields = [
      {key: 'em', sources: ['user_data.email_address', 'user_data.email', 'user_data.sha256_email_address']},
      {key: 'ph', sources: ['user_data.phone_number', 'user_data.sha256_phone_number']},
      {key: 'fn', sources: ['user_data.address.first_name', 'user_data.address.sha256_first_name']},
      {key: 'ln', sources: ['user_data.address.last_name', 'user_data.address.sha256_last_name']},
      {key: 'ge', sources: ['user_data.gender']},
      {key: 'db', sources: ['user_data.date_of_birth']},
      {key: 'ct', sources: ['user_data.address.city']},
      {key: 'st', sources: ['user_data.address.region']},
      {key: 'zp', sources: ['user_data.address.postal_code']},
      {key: 'country', sources: ['user_data.address.country']},
      {key: 'external_id', sources: ['user_data.external_id', 'user_id']}
    ];
    // The US_STATES table for regions (see above), built when the first one is hashed.
    const usStates = () => ({
      alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co',
      connecticut: 'ct', delaware: 'de', districtofcolumbia: 'dc', florida: 'fl', georgia: 'ga',
      hawaii: 'hi', idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia', kansas: 'ks',
      kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md', massachusetts: 'ma',
      michigan: 'mi', minnesota: 'mn', mississippi: 'ms', missouri: 'mo', montana: 'mt',
      nebraska: 'ne', nevada: 'nv', newhampshire: 'nh', newjersey: 'nj', newmexico: 'nm',
      newyork: 'ny', northcarolina: 'nc', northdakota: 'nd', ohio: 'oh', oklahoma: 'ok',
      oregon: 'or', pennsylvania: 'pa', rhodeisland: 'ri', southcarolina: 'sc', southdakota: 'sd',
      tennessee: 'tn', texas: 'tx', utah: 'ut', vermont: 'vt', virginia: 'va', washington: 'wa',
      westvirginia: 'wv', wisconsin: 'wi', wyoming: 'wy', puertorico: 'pr'
    });
    // Every path in fields ends one step below user_data or user_data.address; either may
    // be a list (arrays are flattened at every level, null and undefined dropped). The
    // objects at those two levels are found once, so each path takes one step instead of
    // being walked from the top for every source.
    const objectsIn = (list) => {
      const objects = [];
      for (let i = 0; i < list.length; i++) {
        if (getType(list[i]) === 'object') {
          objects.push(list[i]);
        }
      }
      return objects;
    };
    const stepDown = (objects, name) => {
      const found = [];
      for (let i = 0; i < objects.length; i++) {
        if (hasKey(objects[i], name)) {
          found.push(objects[i][name]);
        }
      }
      return flatten(found);
    };
    const userObjects = hasKey(eventData, 'user_data') ? objectsIn(flatten([eventData.user_data])) : [];
    const addressObjects = objectsIn(stepDown(userObjects, 'address'));
    for (let f = 0; f < fields.length; f++) {
      const key = fields[f].key;
      const sources = fields[f].sources;
      for (let s = 0; s < sources.length; s++) {
        const source = sources[s];
        // A key of the event itself, even one spelt 'user_data.<path>', wins over the path.
        let values = [];
        if (hasKey(eventData, source)) {
          values = flatten([eventData[source]]);
        } else if (source.indexOf('user_data.address.') === 0) {
          values = stepDown(addressObjects, source.substring(18));
        } else if (source.indexOf('user_data.') === 0) {
          values = stepDown(userObjects, source.substring(10));
        }
        if (values.length === 0) {
          continue;
        }
        if (key === 'st' && !US_STATES) {
          US_STATES = usStates();
        }
        const hashes = hashValues(values, (raw) => normaliseUserField(key, raw));
        if (hashes.length > 0) {
          out[key] = hashes;
          break;
        }
      }
    }
  }
  if (consent.userData) {
    setIf(out, 'client_ip_address', text(eventData.ip_override).trim());
  }
  setIf(out, 'client_user_agent', text(eventData.user_agent));
  if (consent.identifiers) {
    // parseUrl is costly: a URL with neither 'epik' nor a %-escape in it cannot carry
    // that parameter.
    setIf(out, 'click_id', text(eventData.epik).trim() || text(eventData._epik).trim() ||
      (pageLocation.indexOf('epik') >= 0 || pageLocation.indexOf('%') >= 0 ?
        queryParam(pageLocation, 'epik') : '') ||
      firstCookie('_epik'));
  }
  return out;
}

// Pinterest takes value and item_price as strings, quantities and num_items as numbers.
function buildCustomData() {
  const out = {};
  setIf(out, 'currency', text(eventData.currency).trim().toUpperCase());
  const value = numberOr(eventData.value, undefined);
  setIf(out, 'value', value === undefined ? undefined : makeString(value));
  const items = getType(eventData.items) === 'array' ? eventData.items : [];
  const ids = [];
  const contents = [];
  let count = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (getType(item) !== 'object') {
      continue;
    }
    let quantity = integerOr(item.quantity, 1);
    if (quantity < 1) {
      quantity = 1;
    }
    count += quantity;
    const id = text(item.item_id).trim() || text(item.id).trim();
    const content = {};
    setIf(content, 'id', id);
    const price = numberOr(item.price, undefined);
    setIf(content, 'item_price', price === undefined ? undefined : makeString(price));
    content.quantity = quantity;
    setIf(content, 'item_name', text(item.item_name).trim());
    setIf(content, 'item_category', text(item.item_category).trim());
    setIf(content, 'item_brand', text(item.item_brand).trim());
    if (id) {
      ids.push(id);
    }
    contents.push(content);
  }
  if (ids.length > 0) {
    out.content_ids = ids;
  }
  if (contents.length > 0) {
    out.contents = contents;
    out.num_items = count;
  }
  setIf(out, 'order_id', transactionId);
  setIf(out, 'search_string', text(eventData.search_term).trim());
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

// normaliseUserField applies the customer-information rules Meta, Snapchat and Pinterest
// share (protocols.md c.3, d.3, d.4) to one raw value. An empty result drops the value.
function normaliseUserField(field, raw) {
  const lower = raw.trim().toLowerCase();
  if (field === 'em') {
    return lower;
  }
  if (field === 'ph') {
    return phoneDigits(raw);
  }
  if (field === 'fn' || field === 'ln') {
    return removeAll(lower, PUNCTUATION).trim();
  }
  if (field === 'ge') {
    const gender = keepOnly(lower, LETTERS);
    if (gender === 'f' || gender === 'female') {
      return 'f';
    }
    return gender === 'm' || gender === 'male' ? 'm' : '';
  }
  if (field === 'db') {
    const date = keepOnly(lower, DIGITS);
    const century = date.substring(0, 2);
    return date.length === 8 && (century === '19' || century === '20') ? date : '';
  }
  if (field === 'ct') {
    return removeAll(lower, PUNCTUATION + WHITESPACE + DIGITS);
  }
  if (field === 'st') {
    const state = removeAll(lower, PUNCTUATION + WHITESPACE);
    return hasKey(US_STATES, state) ? US_STATES[state] : state;
  }
  if (field === 'zp') {
    const zip = removeAll(lower, WHITESPACE);
    const isZipPlus4 = zip.length === 10 && zip.charAt(5) === '-' &&
      keepOnly(zip.substring(0, 5) + zip.substring(6), DIGITS).length === 9;
    return isZipPlus4 ? zip.substring(0, 5) : zip;
  }
  if (field === 'country') {
    const country = keepOnly(lower, LETTERS);
    return country.length === 2 ? country : '';
  }
  // external_id and anything else: ids may be case-sensitive, so only trimmed.
  return raw.trim();
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

function removeAll(value, unwanted) {
  let i = 0;
  while (i < value.length && unwanted.indexOf(value[i]) < 0) {
    i++;
  }
  if (i === value.length) {
    return value;
  }
  let out = value.substring(0, i);
  for (i++; i < value.length; i++) {
    if (unwanted.indexOf(value[i]) < 0) {
      out += value[i];
    }
  }
  return out;
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

function integerOr(value, fallback) {
  const number = numberOr(value, undefined);
  return number === undefined ? fallback : makeInteger(number);
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
                "string": "https://api.pinterest.com/v5/ad_accounts/*"
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
                "string": "_epik"
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
- name: a purchase becomes checkout with list-valued hashes and a Bearer token
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{"num_events_received":1,"num_events_processed":1,"events":[{"status":"processed","error_message":null,"warning_message":null}]}');
    runCode(config({}));
    assertThat(request.url).isEqualTo('https://api.pinterest.com/v5/ad_accounts/549755885175/events');
    assertThat(request.options).isEqualTo({method: 'POST',
      headers: {'Authorization': 'Bearer pina_token', 'Content-Type': 'application/json'}});
    assertThat(request.body).isEqualTo({data: [{
      event_name: 'checkout', action_source: 'web', event_time: 1716200000, event_id: 'evt-T-1001',
      event_source_url: 'https://shop.example/checkout/thanks?epik=dj0yJnU9abc', opt_out: false,
      user_data: {
        em: ['86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'],
        ph: ['d6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a'],
        fn: ['81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2'],
        ge: ['252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111'],
        st: ['6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126'],
        zp: ['c884a209ebe08750a7d13db63bd02233b375bd79786cbe329ab11586cc35dead'],
        country: ['79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
        client_ip_address: '198.51.100.23', client_user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
        click_id: 'dj0yJnU9abc'
      },
      custom_data: {
        currency: 'USD', value: '59.98', content_ids: ['SKU-1', 'SKU-2'], num_items: 3, order_id: 'T-1001',
        contents: [
          {id: 'SKU-1', item_price: '19.99', quantity: 2, item_name: 'Blue Mug'},
          {id: 'SKU-2', item_price: '20', quantity: 1}
        ]
      },
      language: 'en'
    }]});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: names map to Pinterest events, unknown names are sent as custom
  code: |-
    respond(200, '{"events":[{"status":"processed"}]}');
    const cases = [['page_view', 'page_visit'], ['view_item_list', 'view_category'], ['add_to_cart', 'add_to_cart'],
      ['sign_up', 'signup'], ['generate_lead', 'lead'], ['search', 'search'], ['begin_checkout', 'custom']];
    cases.forEach((c) => {
      mock('getAllEventData', {event_name: c[0], event_id: 'e1'});
      runCode(config({}));
      assertThat(request.body.data[0].event_name, c[0]).isEqualTo(c[1]);
    });
    runCode(config({event_name_map: [{from: 'begin_checkout', to: 'add_to_cart'}]}));
    assertThat(request.body.data[0].event_name).isEqualTo('add_to_cart');
- name: test mode, the _epik cookie and an event id from the order
  code: |-
    mock('getCookieValues', (name) => name === '_epik' ? ['cookie-epik'] : []);
    mock('getAllEventData', {event_name: 'purchase', transaction_id: 'T-9', event_time: 1716200000});
    respond(200, '{"events":[{"status":"processed"}]}');
    runCode(config({test_mode: true}));
    assertThat(request.url).isEqualTo('https://api.pinterest.com/v5/ad_accounts/549755885175/events?test=true');
    assertThat(request.body.data[0].event_id).isEqualTo('T-9');
    assertThat(request.body.data[0].user_data).isEqualTo({click_id: 'cookie-epik'});
- name: consent decides what is sent
  code: |-
    respond(200, '{"events":[{"status":"processed"}]}');
    const ev = {};
    Object.keys(purchaseEvent).forEach((key) => { ev[key] = purchaseEvent[key]; });
    ev['x-ga-gcs'] = 'G101';
    mock('getAllEventData', ev);
    runCode(config({}));
    assertApi('sendHttpRequest').wasNotCalled();
    ev['x-ga-gcs'] = 'G111';
    ev.consent_state = {ad_user_data: 'denied'};
    runCode(config({}));
    assertThat(request.body.data[0].user_data).isEqualTo({
      client_user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0', click_id: 'dj0yJnU9abc'
    });
- name: a failed event in a 200 answer and an HTTP error both fail the tag
  code: |-
    mock('getAllEventData', {event_name: 'purchase', event_id: 'e1'});
    respond(200, '{"num_events_received":1,"num_events_processed":0,"events":[{"status":"failed","error_message":"event_time is too old"}]}');
    runCode(config({}));
    callLater(() => assertApi('gtmOnFailure').wasCalledWith('pinterest-capi: HTTP 200: event_time is too old'));
- name: an authentication error surfaces Pinterest's message
  code: |-
    mock('getAllEventData', {event_name: 'purchase', event_id: 'e1'});
    respond(401, '{"code":2,"message":"Authentication failed."}');
    runCode(config({}));
    callLater(() => {
      assertApi('gtmOnSuccess').wasNotCalled();
      assertApi('gtmOnFailure').wasCalledWith('pinterest-capi: HTTP 401: Authentication failed.');
    });
- name: customer data written as flat user_data.<path> keys; a flat key wins; a percent-encoded epik
  code: |-
    respond(200, '{"events":[{"status":"processed"}]}');
    mock('getAllEventData', {event_name: 'sign_up', event_id: 'e1', 'user_data.address.region': 'California'});
    runCode(config({}));
    assertThat(request.body.data[0].user_data.st).isEqualTo(['6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126']);
    mock('getAllEventData', {event_name: 'sign_up', event_id: 'e1', user_data: [{email_address: 'other@example.com'}], 'user_data.email_address': 'B@example.com'});
    runCode(config({}));
    assertThat(request.body.data[0].user_data.em).isEqualTo(['e8f39b3e1382367d6d41ab34dc270d4e7533f978c9e9a775dfe2185b2f96b96c']);
    mock('getAllEventData', {event_name: 'page_view', event_id: 'e1', page_location: 'https://shop.example/?%65pik=encoded-epik'});
    runCode(config({}));
    assertThat(request.body.data[0].user_data.click_id).isEqualTo('encoded-epik');
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
    const params = {ad_account_id: '549755885175', access_token: 'pina_token', action_source: 'web',
                    send_user_data: true, respect_consent: true, ad_storage_denied: 'skip', test_mode: false};
    Object.keys(extra).forEach((key) => { params[key] = extra[key]; });
    return params;
  };
  const purchaseEvent = {
    event_name: 'purchase', event_id: 'evt-T-1001', event_time: 1716200000, language: 'en-us',
    page_location: 'https://shop.example/checkout/thanks?epik=dj0yJnU9abc',
    ip_override: '198.51.100.23', user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
    currency: 'usd', value: 59.98, transaction_id: 'T-1001',
    items: [{item_id: 'SKU-1', item_name: 'Blue Mug', price: 19.99, quantity: 2}, {item_id: 'SKU-2', price: 20}],
    user_data: {
      email_address: ' Jane.Doe@Example.com ', phone_number: '+1 (555) 123-4567', gender: 'female',
      address: {first_name: 'Jane', region: 'California', postal_code: '94107-1234', country: 'US'}
    }
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
