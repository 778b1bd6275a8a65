// The SQLite store keeps its prepared statements by their SQL, the least recently used leaving first.
import SQLite from 'better-sqlite3';
import { cachedStatements } from '../../../server/store/db';

describe('cachedStatements', () => {
  let sqlite: SQLite.Database;
  let prepared: string[];
  beforeEach(() => {
    sqlite = new SQLite(':memory:');
    sqlite.exec('create table t (n integer)');
    prepared = [];
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((text: string) => {
      prepared.push(text);
      return prepare(text);
    }) as typeof sqlite.prepare;
  });
  afterEach(() => sqlite.open && sqlite.close());

  it('prepares a statement once and runs it again with new parameters', () => {
    const db = cachedStatements(sqlite);
    db.prepare('insert into t (n) values (?)').run([1]);
    db.prepare('insert into t (n) values (?)').run([2]);
    expect(db.prepare('select n from t order by n').all([])).toEqual([{ n: 1 }, { n: 2 }]);
    expect(prepared).toEqual(['insert into t (n) values (?)', 'select n from t order by n']);
  });

  it('keeps at most `size` statements, dropping the least recently used', () => {
    const db = cachedStatements(sqlite, 2);
    db.prepare('select 1');
    db.prepare('select 2');
    db.prepare('select 1'); // now the most recent
    db.prepare('select 3'); // drops "select 2"
    db.prepare('select 1');
    db.prepare('select 2');
    expect(prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
  });

  it('closes the database', () => {
    cachedStatements(sqlite).close();
    expect(sqlite.open).toBe(false);
  });
});
