// Decodes an Avro object container file with avsc (an implementation independent of Apache.Avro) and
// prints {schema, metadata, records} as JSON. Bytes become hex strings; longs beyond 2^53 become strings.
'use strict';
const avro = require('avsc');
const file = process.argv[2];
const longType = avro.types.LongType.__with({
  fromBuffer: (buf) => buf.readBigInt64LE(),
  toBuffer: (n) => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(n)); return b; },
  fromJSON: BigInt,
  toJSON: (n) => n.toString(),
  isValid: (n) => typeof n === 'bigint',
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
});
const records = [];
let header = null;
avro.createFileDecoder(file, { parseHook: (schema) => avro.Type.forSchema(schema, { registry: { long: longType }, wrapUnions: false }) })
  .on('metadata', (type, codec, h) => {
    header = { schema: h.meta['avro.schema'].toString('utf8'), codec, meta: {} };
    for (const [k, v] of Object.entries(h.meta)) header.meta[k] = v.toString('utf8');
  })
  .on('data', (r) => records.push(r))
  .on('end', () => {
    const replacer = (k, v) => (typeof v === 'bigint' ? v.toString() : v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v);
    process.stdout.write(JSON.stringify({ header, records }, replacer));
  })
  .on('error', (e) => { console.error(e.message); process.exit(1); });
