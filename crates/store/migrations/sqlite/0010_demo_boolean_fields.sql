-- Demo data before 0010 stored its yes/no custom field with the type name 'bool', which the
-- application does not know ('boolean'): forms refused every save of such a record. Rename it.
UPDATE custom_fields SET field_type = 'boolean' WHERE field_type = 'bool';
