/**
 * The generated form (react-jsonschema-form), loaded on first use. Objects the schema marks
 * collapsed (optional nested objects) render their fields only when opened, so a CRD with
 * hundreds of fields stays fast; an object opens by itself when it holds data or an error.
 */
import Form from '@rjsf/core';
import type {
  ErrorSchema,
  IconButtonProps,
  ObjectFieldTemplateProps,
  RJSFSchema,
  UiSchema,
} from '@rjsf/utils';
import { useState } from 'react';
import { serverValidator } from './server-validator.ts';

function hasContent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(hasContent);
  return true;
}

function CollapsibleObject(props: ObjectFieldTemplateProps) {
  const collapsible = props.uiSchema?.['ui:collapsed'] === true;
  const [open, setOpen] = useState(
    () => !collapsible || hasContent(props.formData) || hasContent(props.errorSchema),
  );
  const id = props.fieldPathId.$id;
  const title = props.title || props.schema.title;
  return (
    <fieldset className={`form-object${collapsible ? ' collapsible' : ''}`} id={id}>
      {title ? (
        collapsible ? (
          <legend>
            <button
              type="button"
              className="disclosure"
              aria-expanded={open}
              aria-controls={`${id}__fields`}
              onClick={() => setOpen(!open)}
            >
              {title}
              {props.required ? ' *' : ''}
            </button>
          </legend>
        ) : (
          <legend>
            {title}
            {props.required ? ' *' : ''}
          </legend>
        )
      ) : null}
      {open ? (
        <div id={`${id}__fields`} className="form-object-fields">
          {props.description ? <p className="field-description">{props.description}</p> : null}
          {props.properties.filter((p) => !p.hidden).map((p) => p.content)}
          {props.schema.additionalProperties && !props.readonly ? (
            <button type="button" className="button small" onClick={props.onAddProperty}>
              Add {title ?? 'entry'}
            </button>
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}

/**
 * The library's list buttons draw icon-font glyphs this portal does not ship: these say
 * what they do in words (and to screen readers).
 */
function TextButton({
  label,
  icon: _icon,
  iconType: _iconType,
  registry: _registry,
  uiSchema: _uiSchema,
  className: _className,
  ...button
}: IconButtonProps & { label: string }) {
  return (
    <button type="button" className="button small" {...button}>
      {label}
    </button>
  );
}

const BUTTONS = {
  AddButton: (props: IconButtonProps) => <TextButton {...props} label="Add" />,
  RemoveButton: (props: IconButtonProps) => <TextButton {...props} label="Remove" />,
  MoveUpButton: (props: IconButtonProps) => <TextButton {...props} label="Up" />,
  MoveDownButton: (props: IconButtonProps) => <TextButton {...props} label="Down" />,
  CopyButton: (props: IconButtonProps) => <TextButton {...props} label="Copy" />,
};

export default function SchemaForm({
  schema,
  uiSchema,
  formData,
  onChange,
  onSubmit,
  extraErrors,
  disabled,
  submitLabel,
}: {
  schema: RJSFSchema;
  uiSchema: UiSchema;
  formData: unknown;
  onChange: (data: unknown) => void;
  onSubmit: (data: unknown) => void;
  extraErrors?: ErrorSchema;
  disabled: boolean;
  submitLabel: string;
}) {
  return (
    <Form
      schema={schema}
      uiSchema={{
        ...uiSchema,
        'ui:submitButtonOptions': {
          submitText: submitLabel,
          props: { disabled, className: 'button primary' },
        },
      }}
      formData={formData}
      validator={serverValidator}
      templates={{ ObjectFieldTemplate: CollapsibleObject, ButtonTemplates: BUTTONS }}
      extraErrors={extraErrors}
      showErrorList={false}
      onChange={(e) => onChange(e.formData)}
      onSubmit={(e) => onSubmit(e.formData)}
      disabled={disabled}
      className="schema-form"
    />
  );
}
