___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Snapchat Conversions API",
  "categories": [
    "ADVERTISING",
    "CONVERSIONS"
  ],
  "brand": {
    "id": "tagd",
    "displayName": "tagd"
  },
  "description": "Sends each event to the Snapchat Conversions API v3: GA4 event names become Snap event names, customer information is normalised and SHA-256 hashed, the Snap click id and _scid cookie are passed on.",
  "containerContexts": [
    "SERVER"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "pixel_id",
    "displayName": "Pixel ID",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      }
    ],
    "alwaysInSummary": true,
    "help": "The Snap Pixel ID the events belong to (Snapchat Ads Manager, Events Manager)."
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
    "help": "A Conversions API token generated in Snapchat Business Manager. Sent as the access_token query parameter."
  },
  {
    "type": "SELECT",
    "name": "action_source",
    "displayName": "Action source",
    "macrosInSelect": false,
    "selectItems": [
      {
        "value": "WEB",
        "displayValue": "Web"
      },
      {
        "value": "MOBILE_APP",
        "displayValue": "Mobile app"
      },
      {
        "value": "OFFLINE",
        "displayValue": "Offline"
      }
    ],
    "simpleValueType": true,
    "defaultValue": "WEB",
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
        "displayName": "Snapchat event name",
        "name": "to",
        "type": "TEXT"
      }
    ],
    "newRowButtonText": "Add mapping",
    "help": "Optional rows checked before the built-in GA4 to Snapchat mapping."
  },
  {
    "type": "CHECKBOX",
    "name": "send_user_data",
    "checkboxText": "Send hashed customer information",
    "displayName": "Customer information",
    "simpleValueType": true,
    "defaultValue": true,
    "help": "When ticked, customer information from user_data (email, phone, ...) is normalised and SHA-256 hashed. Values that already are SHA-256 hex are passed through. Snap uses Meta's rules (email lower case, phone digits with country code, names lower case without punctuation, ...); each field is sent as a list."
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
    "name": "validate_only",
    "checkboxText": "Send to the validation endpoint",
    "displayName": "Validate only",
    "simpleValueType": true,
    "defaultValue": false,
    "help": "Posts to /events/validate instead of /events: Snap checks the payload without recording it."
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

const SNAP_URL = 'https://tr.snapchat.com/v3/';
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

// GA4 recommended events to Snap's event names. Snap accepts only its own names, so an
// event matched by neither this table nor the mapping parameter is not sent.
const STANDARD_EVENTS = {
  page_view: 'PAGE_VIEW',
  view_item: 'VIEW_CONTENT',
  view_item_list: 'LIST_VIEW',
  search: 'SEARCH',
  add_to_cart: 'ADD_CART',
  add_to_wishlist: 'ADD_TO_WISHLIST',
  begin_checkout: 'START_CHECKOUT',
  add_payment_info: 'ADD_BILLING',
  purchase: 'PURCHASE',
  sign_up: 'SIGN_UP',
  login: 'LOGIN',
  subscribe: 'SUBSCRIBE',
  start_trial: 'START_TRIAL',
  share: 'SHARE',
  generate_lead: 'SIGN_UP'
};

const eventData = getAllEventData() || {};

const pixelId = text(data.pixel_id).trim();
const accessToken = text(data.access_token).trim();
if (!pixelId || !accessToken) {
  logToConsole({message: 'snapchat-capi: pixel_id and access_token are required'});
  data.gtmOnFailure('snapchat-capi: pixel_id and access_token are required');
  return;
}
const sourceName = text(eventData.event_name).trim();
const eventName = mappedName(sourceName, STANDARD_EVENTS, true);
if (!eventName) {
  logToConsole({message: 'snapchat-capi: no Snapchat event name for this event, not sent (map it in event_name_map)', event_name: sourceName});
  return data.gtmOnSuccess();
}
const consent = consentPolicy();
if (!consent.send) {
  logToConsole({message: 'snapchat-capi: ad_storage consent denied, event not sent', event_name: eventName});
  return data.gtmOnSuccess();
}

const event = {event_name: eventName, event_time: eventTime()};
const transactionId = text(eventData.transaction_id).trim();
setIf(event, 'event_id', text(eventData.event_id).trim() || transactionId);
event.action_source = text(data.action_source).trim() || 'WEB';
const pageLocation = text(eventData.page_location).trim();
setIf(event, 'event_source_url', pageLocation);
const userData = buildUserData();
if (Object.keys(userData).length > 0) {
  event.user_data = userData;
}
const customData = buildCustomData();
if (Object.keys(customData).length > 0) {
  event.custom_data = customData;
}

const validate = flag(data.validate_only, false);
const url = SNAP_URL + encodeUriComponent(pixelId) + (validate ? '/events/validate' : '/events') +
  '?access_token=' + encodeUriComponent(accessToken);

sendHttpRequest(url, {method: 'POST', headers: {'Content-Type': 'application/json'}}, JSON.stringify({data: [event]}))
  .then((result) => {
    const parsed = JSON.parse(text(result.body));
    const answer = getType(parsed) === 'object' ? parsed : {};
    const status = text(answer.status).toUpperCase();
    if (result.statusCode >= 200 && result.statusCode < 300 && status !== 'FAILED' && status !== 'INVALID') {
      data.gtmOnSuccess();
      return;
    }
    const line = {message: 'snapchat-capi: Snapchat rejected the event', event_name: eventName, status: result.statusCode};
    setIf(line, 'error_message', text(answer.reason) || text(answer.message) || text(answer.error_message));
    if (!line.error_message) {
      line.body = text(result.body).substring(0, MAX_LOGGED_BODY);
    }
    logToConsole(line);
    data.gtmOnFailure('snapchat-capi: HTTP ' + result.statusCode + ': ' + (line.error_message || line.body));
  }, (err) => {
    const reason = text(err && err.reason) || 'failed';
    logToConsole({message: 'snapchat-capi: request failed', event_name: eventName, reason: reason});
    data.gtmOnFailure('snapchat-capi: request ' + reason);
  });

// Snap takes hashed fields as lists; its normalisation rules are Meta's (protocols.md d.3).
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
    // parseUrl is costly: a URL with neither spelling of the click id parameter nor a
    // %-escape in it cannot carry it.
    const mayHaveClickId = pageLocation.indexOf('ScCid') >= 0 || pageLocation.indexOf('sccid') >= 0 ||
      pageLocation.indexOf('%') >= 0;
    setIf(out, 'sc_click_id', text(eventData.sc_click_id).trim() ||
      (mayHaveClickId ? queryParam(pageLocation, 'ScCid') || queryParam(pageLocation, 'sccid') : ''));
    setIf(out, 'sc_cookie1', text(eventData.sc_cookie1).trim() || text(eventData._scid).trim() || firstCookie('_scid'));
  }
  return out;
}

// Snap's examples send money and quantities as strings.
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
    if (!id) {
      continue;
    }
    const content = {id: id, quantity: makeString(quantity)};
    const price = numberOr(item.price, undefined);
    setIf(content, 'item_price', price === undefined ? undefined : makeString(price));
    setIf(content, 'brand', text(item.item_brand).trim());
    ids.push(id);
    contents.push(content);
  }
  if (ids.length > 0) {
    out.content_ids = ids;
    out.contents = contents;
  }
  if (count > 0) {
    out.num_items = makeString(count);
  }
  setIf(out, 'order_id', transactionId);
  setIf(out, 'search_string', text(eventData.search_term).trim());
  const single = items.length === 1 && getType(items[0]) === 'object' ? items[0] : {};
  setIf(out, 'content_category', text(eventData.content_category).trim() || text(single.item_category).trim());
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
                "string": "https://tr.snapchat.com/v3/*"
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
                "string": "_scid"
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
- name: Snap's own worked normalisation examples hash to Snap's published values
  code: |-
    mock('getAllEventData', {event_name: 'sign_up', user_data: {
      email_address: 'Person@Example.com', phone_number: '+44 844 412 4653',
      address: [{first_name: 'John'}, {first_name: 'Raphaël'}]
    }});
    respond(200, '{"status":"SUCCESS"}');
    runCode(config({}));
    const ud = request.body.data[0].user_data;
    assertThat(ud.em).isEqualTo(['542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345']);
    assertThat(ud.ph).isEqualTo(['dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383']);
    assertThat(ud.fn).isEqualTo([
      '96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a',
      'e74bb89e718fe1e19c422a48382870399f8bf7ca8dfa008739e75b0be76627b7'
    ]);
- name: a purchase produces the complete v3 body
  code: |-
    mock('getAllEventData', purchaseEvent);
    respond(200, '{"status":"SUCCESS","reason":"SUCCESS"}');
    runCode(config({}));
    assertThat(request.url).isEqualTo('https://tr.snapchat.com/v3/snap-pixel-1/events?access_token=snap%2Btoken');
    assertThat(request.options).isEqualTo({method: 'POST', headers: {'Content-Type': 'application/json'}});
    assertThat(request.body).isEqualTo({data: [{
      event_name: 'PURCHASE', event_time: 1716200000, event_id: 'evt-T-1001', action_source: 'WEB',
      event_source_url: 'https://shop.example/checkout/thanks?ScCid=sc-click-1',
      user_data: {
        em: ['86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'],
        ph: ['d6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a'],
        external_id: ['fafe5e551759817bdc65038b8cb1a8263b1a8b3b60c269d67ff0f8c57ae0f733'],
        client_ip_address: '198.51.100.23', client_user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
        sc_click_id: 'sc-click-1', sc_cookie1: 'a1b2c3d4-scid'
      },
      custom_data: {
        currency: 'USD', value: '59.98', content_ids: ['SKU-1', 'SKU-2'], num_items: '3', order_id: 'T-1001',
        contents: [{id: 'SKU-1', quantity: '2', item_price: '19.99', brand: 'Acme'}, {id: 'SKU-2', quantity: '1', item_price: '20'}]
      }
    }]});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: names map to Snap events; unmapped names are not sent; the table adds names
  code: |-
    respond(200, '{"status":"SUCCESS"}');
    const cases = [['page_view', 'PAGE_VIEW'], ['view_item', 'VIEW_CONTENT'], ['view_item_list', 'LIST_VIEW'],
      ['add_to_cart', 'ADD_CART'], ['begin_checkout', 'START_CHECKOUT'], ['add_payment_info', 'ADD_BILLING'],
      ['sign_up', 'SIGN_UP'], ['search', 'SEARCH']];
    cases.forEach((c) => {
      mock('getAllEventData', {event_name: c[0]});
      runCode(config({}));
      assertThat(request.body.data[0].event_name, c[0]).isEqualTo(c[1]);
    });
    request = undefined;
    mock('getAllEventData', {event_name: 'tutorial_complete'});
    runCode(config({}));
    assertThat(request).isUndefined();
    assertApi('logToConsole').wasCalledWith({
      message: 'snapchat-capi: no Snapchat event name for this event, not sent (map it in event_name_map)',
      event_name: 'tutorial_complete'
    });
    runCode(config({event_name_map: [{from: 'tutorial_complete', to: 'COMPLETE_TUTORIAL'}]}));
    assertThat(request.body.data[0].event_name).isEqualTo('COMPLETE_TUTORIAL');
- name: the cookie gives sc_cookie1; validate_only uses the validation endpoint
  code: |-
    mock('getCookieValues', (name) => name === '_scid' ? ['cookie-scid'] : []);
    mock('getAllEventData', {event_name: 'page_view', page_location: 'https://shop.example/?sccid=lower-case-click'});
    respond(200, '{"status":"VALID"}');
    runCode(config({validate_only: true}));
    assertThat(request.url).isEqualTo('https://tr.snapchat.com/v3/snap-pixel-1/events/validate?access_token=snap%2Btoken');
    assertThat(request.body.data[0].user_data).isEqualTo({sc_click_id: 'lower-case-click', sc_cookie1: 'cookie-scid'});
    callLater(() => assertApi('gtmOnSuccess').wasCalled());
- name: consent decides what is sent
  code: |-
    respond(200, '{"status":"SUCCESS"}');
    const ev = {};
    Object.keys(purchaseEvent).forEach((key) => { ev[key] = purchaseEvent[key]; });
    ev.consent_state = {ad_storage: 'denied', ad_user_data: 'denied'};
    mock('getAllEventData', ev);
    runCode(config({}));
    assertApi('sendHttpRequest').wasNotCalled();
    runCode(config({ad_storage_denied: 'anonymous'}));
    assertThat(request.body.data[0].user_data).isEqualTo({client_user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0'});
- name: a FAILED answer or an HTTP error fails the tag with Snap's reason
  code: |-
    mock('getAllEventData', {event_name: 'purchase'});
    respond(400, '{"status":"FAILED","reason":"Invalid access token"}');
    runCode(config({}));
    callLater(() => {
      assertApi('gtmOnSuccess').wasNotCalled();
      assertApi('gtmOnFailure').wasCalledWith('snapchat-capi: HTTP 400: Invalid access token');
    });
- name: customer data written as flat user_data.<path> keys; a flat key wins; US state names become codes
  code: |-
    respond(200, '{"status":"SUCCESS"}');
    mock('getAllEventData', {event_name: 'sign_up', 'user_data.address.region': 'California'});
    runCode(config({}));
    assertThat(request.body.data[0].user_data.st).isEqualTo(['6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126']);
    mock('getAllEventData', {event_name: 'sign_up', 'user_data.address.city': 'San Francisco'});
    runCode(config({}));
    assertThat(request.body.data[0].user_data.ct).isEqualTo(['1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac']);
    mock('getAllEventData', {event_name: 'sign_up', user_data: {email_address: 'other@example.com'}, 'user_data.email_address': 'B@example.com'});
    runCode(config({}));
    assertThat(request.body.data[0].user_data.em).isEqualTo(['e8f39b3e1382367d6d41ab34dc270d4e7533f978c9e9a775dfe2185b2f96b96c']);
    mock('getAllEventData', {event_name: 'page_view', page_location: 'https://shop.example/?%53cCid=encoded-click'});
    runCode(config({}));
    assertThat(request.body.data[0].user_data.sc_click_id).isEqualTo('encoded-click');
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
    const params = {pixel_id: 'snap-pixel-1', access_token: 'snap+token', action_source: 'WEB', send_user_data: true,
                    respect_consent: true, ad_storage_denied: 'skip', validate_only: false};
    Object.keys(extra).forEach((key) => { params[key] = extra[key]; });
    return params;
  };
  const purchaseEvent = {
    event_name: 'purchase', event_id: 'evt-T-1001', event_time: 1716200000,
    page_location: 'https://shop.example/checkout/thanks?ScCid=sc-click-1',
    ip_override: '198.51.100.23', user_agent: 'Mozilla/5.0 (Macintosh) TestBrowser/1.0',
    user_id: 'User-42', currency: 'usd', value: 59.98, transaction_id: 'T-1001',
    items: [{item_id: 'SKU-1', item_brand: 'Acme', price: 19.99, quantity: 2}, {item_id: 'SKU-2', price: 20}],
    user_data: {email_address: ' Jane.Doe@Example.com ', phone_number: '+1 (555) 123-4567'},
    _scid: 'a1b2c3d4-scid'
  };


___NOTES___

Built-in tagd template, written for tagd from scratch.
