'use strict';
// MetadataFilter: agentdb 1.6.1's MongoDB-style filters (MIT, ruv), ported
// unchanged (apply, toSQL, validate; the same operators and quirks), but
// for one fix: toSQL() pasted the table name, column names and metadata
// paths into the SQL text as given (injection); now each must be a plain
// identifier (metadata paths: names and [n] indexes), else a
// ValidationError naming it. The SQL for well-formed names is agentdb's.
const { ValidationError } = require('../security');

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const JSON_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])*)*$/;

function sqlName(name, what) {
  if (!IDENT.test(name)) {
    throw new ValidationError(`MetadataFilter.toSQL: ${what} ${JSON.stringify(name)} is not a plain SQL name ` +
      '(letters, digits and _, not starting with a digit)', 'INVALID_FILTER_FIELD', name);
  }
  return name;
}

class MetadataFilter {
  /**
   * Apply filters to a collection of items
   *
   * @param items - Items to filter
   * @param filters - MongoDB-style filter object
   * @returns Filtered items
   */
  static apply(items, filters) {
    if (!filters || Object.keys(filters).length === 0) {
      return items;
    }
    return items.filter(item => this.matchesFilters(item, filters));
  }
  /**
   * Check if an item matches all filters
   */
  static matchesFilters(item, filters) {
    for (const [field, filter] of Object.entries(filters)) {
      if (!this.matchesFilter(item, field, filter)) {
        return false;
      }
    }
    return true;
  }
  /**
   * Check if an item matches a single filter
   */
  static matchesFilter(item, field, filter) {
    // Get field value (supports nested paths like "metadata.year")
    const value = this.getFieldValue(item, field);
    // Handle simple equality
    if (typeof filter !== 'object' || Array.isArray(filter)) {
      return value === filter;
    }
    // Handle operator-based filters
    const operators = filter;
    for (const [operator, operand] of Object.entries(operators)) {
      switch (operator) {
        case '$eq':
          if (value !== operand)
            return false;
          break;
        case '$ne':
          if (value === operand)
            return false;
          break;
        case '$gt':
          if (!(value > operand))
            return false;
          break;
        case '$gte':
          if (!(value >= operand))
            return false;
          break;
        case '$lt':
          if (!(value < operand))
            return false;
          break;
        case '$lte':
          if (!(value <= operand))
            return false;
          break;
        case '$in':
          if (!Array.isArray(operand) || !operand.includes(value))
            return false;
          break;
        case '$nin':
          if (!Array.isArray(operand) || operand.includes(value))
            return false;
          break;
        case '$contains':
          if (typeof value === 'string') {
            if (!value.includes(operand))
              return false;
          }
          else if (Array.isArray(value)) {
            if (!value.includes(operand))
              return false;
          }
          else {
            return false;
          }
          break;
        case '$exists':
          const exists = value !== undefined && value !== null;
          if (exists !== operand)
            return false;
          break;
        default:
          console.warn(`Unknown operator: ${operator}`);
          return false;
      }
    }
    return true;
  }
  /**
   * Get field value from item (supports nested paths)
   */
  static getFieldValue(item, field) {
    const parts = field.split('.');
    let value = item;
    for (const part of parts) {
      if (value === null || value === undefined) {
        return undefined;
      }
      // Parse metadata JSON if needed
      if (part === 'metadata' && typeof value.metadata === 'string') {
        try {
          value.metadata = JSON.parse(value.metadata);
        }
        catch (e) {
          return undefined;
        }
      }
      value = value[part];
    }
    return value;
  }
  /**
   * Build SQL WHERE clause from filters (for database queries)
   *
   * @param filters - Metadata filters
   * @param tableName - Table name for column references
   * @returns SQL WHERE clause and parameters
   */
  static toSQL(filters, tableName = '') {
    const conditions = [];
    const params = [];
    const prefix = tableName ? `${sqlName(tableName, 'table name')}.` : '';
    for (const [field, filter] of Object.entries(filters)) {
      // For metadata fields, use JSON extraction
      const isMetadata = field.startsWith('metadata.');
      if (isMetadata && !JSON_PATH.test(field.slice(9))) {
        throw new ValidationError(`MetadataFilter.toSQL: metadata path ${JSON.stringify(field.slice(9))} (field ` +
          `${JSON.stringify(field)}) must be dot-separated names of letters, digits and _, with optional [n] indexes`,
        'INVALID_FILTER_FIELD', field);
      }
      const columnRef = isMetadata
        ? `json_extract(${prefix}metadata, '$.${field.slice(9)}')`
        : `${prefix}${sqlName(field, 'column')}`;
      if (typeof filter !== 'object' || Array.isArray(filter)) {
        // Simple equality
        conditions.push(`${columnRef} = ?`);
        params.push(filter);
      }
      else {
        // Operator-based filters
        const operators = filter;
        for (const [operator, operand] of Object.entries(operators)) {
          switch (operator) {
            case '$eq':
              conditions.push(`${columnRef} = ?`);
              params.push(operand);
              break;
            case '$ne':
              conditions.push(`${columnRef} != ?`);
              params.push(operand);
              break;
            case '$gt':
              conditions.push(`${columnRef} > ?`);
              params.push(operand);
              break;
            case '$gte':
              conditions.push(`${columnRef} >= ?`);
              params.push(operand);
              break;
            case '$lt':
              conditions.push(`${columnRef} < ?`);
              params.push(operand);
              break;
            case '$lte':
              conditions.push(`${columnRef} <= ?`);
              params.push(operand);
              break;
            case '$in':
              if (Array.isArray(operand)) {
                const placeholders = operand.map(() => '?').join(', ');
                conditions.push(`${columnRef} IN (${placeholders})`);
                params.push(...operand);
              }
              break;
            case '$nin':
              if (Array.isArray(operand)) {
                const placeholders = operand.map(() => '?').join(', ');
                conditions.push(`${columnRef} NOT IN (${placeholders})`);
                params.push(...operand);
              }
              break;
            case '$contains':
              conditions.push(`${columnRef} LIKE ?`);
              params.push(`%${operand}%`);
              break;
            case '$exists':
              if (operand) {
                conditions.push(`${columnRef} IS NOT NULL`);
              }
              else {
                conditions.push(`${columnRef} IS NULL`);
              }
              break;
          }
        }
      }
    }
    const where = conditions.length > 0 ? conditions.join(' AND ') : '1=1';
    return { where, params };
  }
  /**
   * Validate filter object
   */
  static validate(filters) {
    const errors = [];
    for (const [field, filter] of Object.entries(filters)) {
      if (!field || field.trim() === '') {
        errors.push('Filter field name cannot be empty');
      }
      if (typeof filter === 'object' && !Array.isArray(filter)) {
        const operators = Object.keys(filter);
        for (const op of operators) {
          if (!op.startsWith('$')) {
            errors.push(`Invalid operator: ${op} (must start with $)`);
          }
        }
      }
    }
    return { valid: errors.length === 0, errors };
  }
}

module.exports = { MetadataFilter };
