-- The spellings JSM Operations payloads used (health/jsm_field_spellings).
select object, field, spelling, records
from jsm_field_spellings
order by object, field, spelling
