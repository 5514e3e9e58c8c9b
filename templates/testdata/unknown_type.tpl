___INFO___

{
  "id": "cvt_temp_public_id",
  "type": "TRIGGER",
  "version": 1
}


___SANDBOXED_JS_FOR_SERVER___

return 1;
