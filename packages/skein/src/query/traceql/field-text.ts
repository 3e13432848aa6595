import type { FieldExpr, StaticValue } from './ast.js';

/** A field expression as TraceQL text (`resource.service.name`, `span:duration * 2`): labels of by() groups. */
export function fieldText(expr: FieldExpr): string {
  switch (expr.type) {
    case 'attribute': {
      const name = /^[^\s{}()=~!<>&|^,"]+$/.test(expr.name) ? expr.name : JSON.stringify(expr.name);
      return expr.scope === 'none' ? `.${name}` : `${expr.scope}.${name}`;
    }
    case 'intrinsic':
      return expr.name;
    case 'static':
      return staticText(expr.value);
    case 'unary':
      return `${expr.op}${fieldText(expr.operand)}`;
    case 'binary':
      return `${fieldText(expr.left)} ${expr.op} ${fieldText(expr.right)}`;
  }
}

export function staticText(value: StaticValue): string {
  switch (value.kind) {
    case 'string':
      return JSON.stringify(value.value);
    case 'int':
      return value.value.toString();
    case 'float':
      return String(value.value);
    case 'duration':
      return `${value.nanos}ns`;
    case 'nil':
      return 'nil';
    default:
      return String(value.value);
  }
}
