___INFO___

{
  "type": "TAG",
  "version": 1
  "displayName": "Missing comma above"
}


___SANDBOXED_JS_FOR_SERVER___

data.gtmOnSuccess();
