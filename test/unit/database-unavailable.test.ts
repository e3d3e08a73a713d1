import { isDatabaseUnavailable } from '../../src/http/database-unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('which errors mean "the database is unavailable" (503 with Retry-After)', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET')],
    ['refused on IPv4 and IPv6', new AggregateError([withCode('ECONNREFUSED')], 'connect failed')],
    ['admin shutdown (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['crash shutdown (57P02)', withCode('57P02')],
    ['cannot connect now (57P03)', withCode('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['our statement_timeout (57014)', withCode('57014', 'canceling statement due to statement timeout')],
    ['no free pooled connection in time', new Error('timeout exceeded when trying to connect')],
    ['a connection closed under a query', new Error('Connection terminated unexpectedly')],
    ['a new connection that never answered', new Error('Connection terminated due to connection timeout')],
    [
      'wrapped by the ORM',
      Object.assign(new Error('select 1 - failed'), { cause: withCode('ECONNREFUSED') }),
    ],
  ])('%s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', withCode('23505')],
    ['a cancel by an operator (57014)', withCode('57014', 'canceling statement due to user request')],
    ['a syntax error (42601)', withCode('42601')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'boom'],
  ])('not %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
