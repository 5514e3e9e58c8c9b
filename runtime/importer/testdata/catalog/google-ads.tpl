___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "displayName": "Google Ads (catalog stub)",
  "containerContexts": ["SERVER"]
}


___TEMPLATE_PARAMETERS___

[
  {"type": "TEXT", "name": "customer_id", "displayName": "customer_id", "simpleValueType": true, "valueValidators": [{"type": "NON_EMPTY"}]},
  {"type": "TEXT", "name": "conversion_action", "displayName": "conversion_action", "simpleValueType": true, "valueValidators": [{"type": "NON_EMPTY"}]},
  {"type": "TEXT", "name": "currency", "displayName": "currency", "simpleValueType": true}
]


___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();
