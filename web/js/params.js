/* global document -- browser globals: this folder runs in the browser, not in Node */
/**
 * Controls generated from a filter's parameter schema (the same schema the server validates
 * with): number and integer → a slider with its value, boolean → a checkbox, enum → a select,
 * color → a colour input, string → a text field.
 */

const titleCase = (name) =>
  name
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/^./, (c) => c.toUpperCase());

function decimalsOf(step) {
  const text = String(step);
  return text.includes('.') ? text.split('.')[1].length : 0;
}

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, String(v));
  }
  node.append(...children);
  return node;
}

/** A slider, or a number box when the schema gives no range to slide over. */
function numberControl(id, spec) {
  const integer = spec.type === 'integer';
  const hasRange = spec.min !== undefined && spec.max !== undefined;
  const step = spec.step ?? (integer ? 1 : hasRange ? (spec.max - spec.min) / 100 : 'any');
  const input = el('input', {
    id,
    type: hasRange ? 'range' : 'number',
    min: spec.min,
    max: spec.max,
    step,
    value: spec.default,
  });
  if (!hasRange)
    return { input, read: () => (input.value === '' ? spec.default : Number(input.value)) };
  const decimals = integer ? 0 : Math.min(4, decimalsOf(step));
  const output = el('output', { for: id, class: 'param-value' });
  const show = () => {
    output.textContent = Number(input.value).toFixed(decimals);
    const pct = ((Number(input.value) - spec.min) / (spec.max - spec.min || 1)) * 100;
    input.style.setProperty('--fill', `${pct}%`);
  };
  input.addEventListener('input', show);
  show();
  return { input, output, show, read: () => Number(input.value) };
}

function control(id, spec) {
  switch (spec.type) {
    case 'number':
    case 'integer':
      return numberControl(id, spec);
    case 'boolean': {
      const input = el('input', { id, type: 'checkbox' });
      input.checked = spec.default;
      return { input, read: () => input.checked };
    }
    case 'enum': {
      const input = el(
        'select',
        { id },
        spec.values.map((v) => el('option', { value: v, text: titleCase(v) })),
      );
      input.value = spec.default;
      return { input, read: () => input.value };
    }
    case 'color': {
      const input = el('input', { id, type: 'color', value: spec.default });
      return { input, read: () => input.value };
    }
    default: {
      const input = el('input', {
        id,
        type: 'text',
        value: spec.default,
        maxlength: spec.maxLength,
      });
      return { input, read: () => input.value };
    }
  }
}

/**
 * Replaces the form's content with one control per parameter.
 * @param {HTMLFormElement} form
 * @param {Record<string, object>} schema the filter's `params`
 * @returns {{ values: () => Record<string, unknown>, reset: () => void, count: number }}
 */
export function renderParams(form, schema) {
  form.replaceChildren();
  const entries = Object.entries(schema ?? {});
  if (!entries.length) {
    form.append(el('p', { class: 'muted', text: 'This filter has no settings.' }));
  }
  const readers = {};
  const resets = [];
  for (const [name, spec] of entries) {
    const id = `param-${name}`;
    const c = control(id, spec);
    c.input.name = name;
    const label = el('label', { for: id, text: spec.label ?? titleCase(name) });
    const row = el('div', { class: `param param-${spec.type}` });
    if (spec.type === 'boolean') {
      row.append(el('div', { class: 'param-check' }, [c.input, label]));
    } else {
      row.append(
        el('div', { class: 'param-head' }, c.output ? [label, c.output] : [label]),
        c.input,
      );
    }
    if (spec.description) {
      const hint = el('p', { id: `${id}-hint`, class: 'param-hint', text: spec.description });
      c.input.setAttribute('aria-describedby', hint.id);
      row.append(hint);
    }
    form.append(row);
    readers[name] = c.read;
    resets.push(() => {
      if (spec.type === 'boolean') c.input.checked = spec.default;
      else c.input.value = String(spec.default);
      c.show?.();
    });
  }
  return {
    count: entries.length,
    values: () => Object.fromEntries(Object.entries(readers).map(([k, read]) => [k, read()])),
    reset: () => resets.forEach((r) => r()),
  };
}
