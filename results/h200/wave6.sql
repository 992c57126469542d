PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO meta VALUES('schema_version','2');
CREATE TABLE runs (
  run_id         INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,          -- 'harness' | 'benchmark' | 'import'
  tag            TEXT,                   -- optional label, e.g. a baseline name
  started_at     TEXT NOT NULL,          -- UTC, ISO 8601
  finished_at    TEXT,
  suite          TEXT,
  seed           INTEGER,
  git_commit     TEXT,
  git_dirty      INTEGER,                -- 1 when the working tree had uncommitted changes
  build_type     TEXT,
  compiler       TEXT,
  cuda_version   TEXT,                   -- runtime version, NULL without CUDA
  driver_version TEXT,
  gpu_name       TEXT,
  gpu_uuid       TEXT,
  gpu_clocks     TEXT,                   -- SM / memory clocks at the start, MHz
  host           TEXT,
  command_line   TEXT,
  checks_passed  INTEGER,
  checks_failed  INTEGER
);
INSERT INTO runs VALUES(1,'harness','gpu-focus','2026-11-29T12:22:07Z','2026-11-29T12:23:39Z','full',0,'21945e01ad6665bb858747dbc6176470e6277c83',0,'Release','g++ 12.2.0','13.0','CUDA 13.0','NVIDIA H200','GPU-e64e2d29-5f76-c303-4bdf-279d21833af8','sm max 1980 MHz, mem 3201 MHz','vm','bin/v4harness run --suite full --op fp4_act_quant --backend cuda --db /root/out/results.sqlite --tag gpu-focus --no-progress',30,0);
INSERT INTO runs VALUES(2,'harness','gpu-focus','2026-11-29T12:23:39Z','2026-11-29T12:25:12Z','full',0,'21945e01ad6665bb858747dbc6176470e6277c83',0,'Release','g++ 12.2.0','13.0','CUDA 13.0','NVIDIA H200','GPU-e64e2d29-5f76-c303-4bdf-279d21833af8','sm max 1980 MHz, mem 3201 MHz','vm','bin/v4harness run --suite full --op fp4_act_quant_sim --backend cuda --db /root/out/results.sqlite --tag gpu-focus --no-progress',27,0);
CREATE TABLE cases (
  case_id      INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  op           TEXT NOT NULL,
  backend      TEXT NOT NULL,
  backend_role TEXT NOT NULL,            -- 'candidate' | 'peer' | 'negative_control'
  device       TEXT NOT NULL,            -- 'cpu' | 'cuda'
  case_key     TEXT NOT NULL,            -- printable key, includes the seed
  params_json  TEXT NOT NULL,
  UNIQUE (run_id, op, backend, case_key)
);
INSERT INTO cases VALUES(1,1,'fp4_act_quant','cuda','candidate','cuda','fp4_act_quant rows=524288 cols=128 dist=0 seed=1','{"rows":"524288","cols":"128","dist":"0","seed":1}');
INSERT INTO cases VALUES(2,1,'fp4_act_quant','cuda','candidate','cuda','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1','{"rows":"8192","cols":"7168","dist":"1","seed":1}');
INSERT INTO cases VALUES(3,1,'fp4_act_quant','cuda','candidate','cuda','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1','{"rows":"16384","cols":"7168","dist":"1","seed":1}');
INSERT INTO cases VALUES(4,2,'fp4_act_quant_sim','cuda','candidate','cuda','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1','{"rows":"524288","cols":"128","dist":"0","seed":1}');
INSERT INTO cases VALUES(5,2,'fp4_act_quant_sim','cuda','candidate','cuda','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1','{"rows":"8192","cols":"7168","dist":"1","seed":1}');
INSERT INTO cases VALUES(6,2,'fp4_act_quant_sim','cuda','candidate','cuda','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1','{"rows":"16384","cols":"7168","dist":"1","seed":1}');
CREATE TABLE checks (
  check_id         INTEGER PRIMARY KEY,
  case_id          INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
  check_name       TEXT NOT NULL,        -- accuracy.<output> | determinism | batch_invariance | property.<name>
  passed           INTEGER NOT NULL,     -- for negative controls: 1 = the checker caught it
  negative_control INTEGER NOT NULL DEFAULT 0,
  bound            TEXT,                 -- the bound used at decision time, as text
  bound_value      REAL,
  measured         REAL,                 -- the quantity compared with the bound
  max_ulp          REAL,
  p9999_ulp        REAL,
  max_rel          REAL,
  calc_diff        REAL,
  nan_parity       INTEGER,
  inf_parity       INTEGER,
  first_divergence TEXT,                 -- coordinates, values, ULP distance
  ulp_histogram    TEXT,                 -- JSON array: [exact, [1,2), [2,4), ...]
  detail           TEXT,
  dispatch_path    TEXT,
  output_digest    TEXT,                 -- xxh3 of the outputs the check looked at
  replay           TEXT NOT NULL         -- argument of `v4harness replay`
);
INSERT INTO checks VALUES(1,1,'accuracy.q',1,0,'bitwise (quantizer: exact by construction)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[67108864]','67108864 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','365541d055099348','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=accuracy.q');
INSERT INTO checks VALUES(2,1,'accuracy.s',1,0,'bitwise (power-of-two scale: exact)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[2097152]','2097152 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','999b4d049d26e47b','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=accuracy.s');
INSERT INTO checks VALUES(3,1,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest 3c51b9f83154d542)','','3c51b9f83154d542','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(4,1,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,127,128,129,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 9 batch sizes','grid-stride, one pass','8ef6a88c9fef162d','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(5,1,'property.scale_rule',1,0,'scale == 2^ceil(log2(max(amax, floor)/Q)) exactly, so |x/s| <= Q',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2097152 block scales exact','','','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.scale_rule');
INSERT INTO checks VALUES(6,1,'property.block_max_code',1,0,'max |q| per block in [3, 6] when amax >= floor',3.0,3.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'smallest block max |q| = 3','','','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.block_max_code');
INSERT INTO checks VALUES(7,1,'property.element_error',1,0,'rel err <= 0.25 for |x/s| >= 1, abs err <= 0.25·s below; sign of zero kept',0.25,0.2000000000000000111,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'worst relative error 0.2 (normal range)','','','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.element_error');
INSERT INTO checks VALUES(8,1,'property.codes_on_grid',1,0,'every q/s an e2m1 value',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'67108864 codes on the grid','','','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.codes_on_grid');
INSERT INTO checks VALUES(9,1,'property.sign_preserved',1,0,'signbit(q) == signbit(x) for every element (±0 kept)',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'signs kept, 7173297 zero codes','','','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.sign_preserved');
INSERT INTO checks VALUES(10,1,'property.idempotent',1,0,'deq(quant(deq(quant(x)))) == deq(quant(x)) bit for bit',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'67108864 values unchanged by a second quantization','','','fp4_act_quant rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.idempotent');
INSERT INTO checks VALUES(11,2,'accuracy.q',1,0,'bitwise (quantizer: exact by construction)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[58720256]','58720256 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','29b3a5cf00e47712','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=accuracy.q');
INSERT INTO checks VALUES(12,2,'accuracy.s',1,0,'bitwise (power-of-two scale: exact)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[1835008]','1835008 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','a14b8695857113f7','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=accuracy.s');
INSERT INTO checks VALUES(13,2,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest d92ffe52c8365f65)','','d92ffe52c8365f65','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(14,2,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,127,128,129,2412,2413,2414,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','grid-stride, one pass,grid-stride, looping','92f1a3c2c51ac5cc','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(15,2,'property.scale_rule',1,0,'scale == 2^ceil(log2(max(amax, floor)/Q)) exactly, so |x/s| <= Q',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'1835008 block scales exact','','','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.scale_rule');
INSERT INTO checks VALUES(16,2,'property.block_max_code',1,0,'max |q| per block in [3, 6] when amax >= floor',3.0,3.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'smallest block max |q| = 3','','','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.block_max_code');
INSERT INTO checks VALUES(17,2,'property.element_error',1,0,'rel err <= 0.25 for |x/s| >= 1, abs err <= 0.25·s below; sign of zero kept',0.25,0.2000000000000000111,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'worst relative error 0.2 (normal range)','','','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.element_error');
INSERT INTO checks VALUES(18,2,'property.codes_on_grid',1,0,'every q/s an e2m1 value',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'58720256 codes on the grid','','','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.codes_on_grid');
INSERT INTO checks VALUES(19,2,'property.sign_preserved',1,0,'signbit(q) == signbit(x) for every element (±0 kept)',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'signs kept, 6555858 zero codes','','','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.sign_preserved');
INSERT INTO checks VALUES(20,2,'property.idempotent',1,0,'deq(quant(deq(quant(x)))) == deq(quant(x)) bit for bit',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'58720256 values unchanged by a second quantization','','','fp4_act_quant rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.idempotent');
INSERT INTO checks VALUES(21,3,'accuracy.q',1,0,'bitwise (quantizer: exact by construction)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[117440512]','117440512 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','13999b99c6ed0027','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=accuracy.q');
INSERT INTO checks VALUES(22,3,'accuracy.s',1,0,'bitwise (power-of-two scale: exact)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[3670016]','3670016 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','3f25729ffb995c0e','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=accuracy.s');
INSERT INTO checks VALUES(23,3,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest da526d31610ce8d6)','','da526d31610ce8d6','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(24,3,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,127,128,129,2412,2413,2414,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','grid-stride, one pass,grid-stride, looping','92f1a3c2c51ac5cc','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(25,3,'property.scale_rule',1,0,'scale == 2^ceil(log2(max(amax, floor)/Q)) exactly, so |x/s| <= Q',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'3670016 block scales exact','','','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.scale_rule');
INSERT INTO checks VALUES(26,3,'property.block_max_code',1,0,'max |q| per block in [3, 6] when amax >= floor',3.0,3.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'smallest block max |q| = 3','','','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.block_max_code');
INSERT INTO checks VALUES(27,3,'property.element_error',1,0,'rel err <= 0.25 for |x/s| >= 1, abs err <= 0.25·s below; sign of zero kept',0.25,0.2000000000000000111,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'worst relative error 0.2 (normal range)','','','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.element_error');
INSERT INTO checks VALUES(28,3,'property.codes_on_grid',1,0,'every q/s an e2m1 value',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'117440512 codes on the grid','','','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.codes_on_grid');
INSERT INTO checks VALUES(29,3,'property.sign_preserved',1,0,'signbit(q) == signbit(x) for every element (±0 kept)',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'signs kept, 13113988 zero codes','','','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.sign_preserved');
INSERT INTO checks VALUES(30,3,'property.idempotent',1,0,'deq(quant(deq(quant(x)))) == deq(quant(x)) bit for bit',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'117440512 values unchanged by a second quantization','','','fp4_act_quant rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.idempotent');
INSERT INTO checks VALUES(31,4,'accuracy.y',1,0,'bitwise (q*s is exact in bf16)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[67108864]','67108864 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','d29ebf6e6eaef1b6','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(32,4,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest f73773af55b32b3f)','','f73773af55b32b3f','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(33,4,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,127,128,129,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 9 batch sizes','grid-stride, one pass','a46a9d9901f9e15a','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(34,4,'property.scale_rule',1,0,'scale == 2^ceil(log2(max(amax, floor)/Q)) exactly, so |x/s| <= Q',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2097152 block scales exact','','','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.scale_rule');
INSERT INTO checks VALUES(35,4,'property.block_max_code',1,0,'max |q| per block in [3, 6] when amax >= floor',3.0,3.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'smallest block max |q| = 3','','','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.block_max_code');
INSERT INTO checks VALUES(36,4,'property.element_error',1,0,'rel err <= 0.25 for |x/s| >= 1, abs err <= 0.25·s below; sign of zero kept',0.25,0.2000000000000000111,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'worst relative error 0.2 (normal range)','','','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.element_error');
INSERT INTO checks VALUES(37,4,'property.codes_on_grid',1,0,'every q/s an e2m1 value',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'67108864 codes on the grid','','','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.codes_on_grid');
INSERT INTO checks VALUES(38,4,'property.sign_preserved',1,0,'signbit(q) == signbit(x) for every element (±0 kept)',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'signs kept, 7173297 zero codes','','','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.sign_preserved');
INSERT INTO checks VALUES(39,4,'property.fixed_point',1,0,'f(f(x)) == f(x) bit for bit',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'67108864 elements unchanged by a second application','','','fp4_act_quant_sim rows=524288 cols=128 dist=0 seed=1 backend=cuda check=property.fixed_point');
INSERT INTO checks VALUES(40,5,'accuracy.y',1,0,'bitwise (q*s is exact in bf16)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[58720256]','58720256 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','b6a710b2e8846389','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(41,5,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest a8228ccc7f625e8e)','','a8228ccc7f625e8e','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(42,5,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,127,128,129,2412,2413,2414,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','grid-stride, one pass,grid-stride, looping','cd4fb1ebe4174e2a','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(43,5,'property.scale_rule',1,0,'scale == 2^ceil(log2(max(amax, floor)/Q)) exactly, so |x/s| <= Q',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'1835008 block scales exact','','','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.scale_rule');
INSERT INTO checks VALUES(44,5,'property.block_max_code',1,0,'max |q| per block in [3, 6] when amax >= floor',3.0,3.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'smallest block max |q| = 3','','','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.block_max_code');
INSERT INTO checks VALUES(45,5,'property.element_error',1,0,'rel err <= 0.25 for |x/s| >= 1, abs err <= 0.25·s below; sign of zero kept',0.25,0.2000000000000000111,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'worst relative error 0.2 (normal range)','','','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.element_error');
INSERT INTO checks VALUES(46,5,'property.codes_on_grid',1,0,'every q/s an e2m1 value',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'58720256 codes on the grid','','','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.codes_on_grid');
INSERT INTO checks VALUES(47,5,'property.sign_preserved',1,0,'signbit(q) == signbit(x) for every element (±0 kept)',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'signs kept, 6555858 zero codes','','','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.sign_preserved');
INSERT INTO checks VALUES(48,5,'property.fixed_point',1,0,'f(f(x)) == f(x) bit for bit',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'58720256 elements unchanged by a second application','','','fp4_act_quant_sim rows=8192 cols=7168 dist=1 seed=1 backend=cuda check=property.fixed_point');
INSERT INTO checks VALUES(49,6,'accuracy.y',1,0,'bitwise (q*s is exact in bf16)',0.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[117440512]','117440512 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','057ff20e8467e408','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(50,6,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest 9002052a92b411f3)','','9002052a92b411f3','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(51,6,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,127,128,129,2412,2413,2414,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','grid-stride, one pass,grid-stride, looping','cd4fb1ebe4174e2a','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(52,6,'property.scale_rule',1,0,'scale == 2^ceil(log2(max(amax, floor)/Q)) exactly, so |x/s| <= Q',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'3670016 block scales exact','','','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.scale_rule');
INSERT INTO checks VALUES(53,6,'property.block_max_code',1,0,'max |q| per block in [3, 6] when amax >= floor',3.0,3.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'smallest block max |q| = 3','','','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.block_max_code');
INSERT INTO checks VALUES(54,6,'property.element_error',1,0,'rel err <= 0.25 for |x/s| >= 1, abs err <= 0.25·s below; sign of zero kept',0.25,0.2000000000000000111,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'worst relative error 0.2 (normal range)','','','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.element_error');
INSERT INTO checks VALUES(55,6,'property.codes_on_grid',1,0,'every q/s an e2m1 value',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'117440512 codes on the grid','','','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.codes_on_grid');
INSERT INTO checks VALUES(56,6,'property.sign_preserved',1,0,'signbit(q) == signbit(x) for every element (±0 kept)',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'signs kept, 13113988 zero codes','','','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.sign_preserved');
INSERT INTO checks VALUES(57,6,'property.fixed_point',1,0,'f(f(x)) == f(x) bit for bit',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'117440512 elements unchanged by a second application','','','fp4_act_quant_sim rows=16384 cols=7168 dist=1 seed=1 backend=cuda check=property.fixed_point');
CREATE TABLE timings (
  case_id        INTEGER PRIMARY KEY REFERENCES cases(case_id) ON DELETE CASCADE,
  method         TEXT NOT NULL,          -- steady_clock | cuda_events+rotation | google_benchmark
  n              INTEGER NOT NULL,
  median_s       REAL, min_s REAL, max_s REAL, mean_s REAL, stdev_s REAL,
  q1_s           REAL, q3_s REAL, p10_s REAL, p90_s REAL,
  bytes          REAL,                   -- minimal bytes from the op's cost model
  flops          REAL,
  gbps           REAL,                   -- bytes / median
  tflops         REAL,
  roofline_fraction REAL,                -- of the measured ceiling (GPU only)
  roofline       TEXT,                   -- which ceiling, e.g. 'hbm 4.30 TB/s'
  timed_output_verified INTEGER,         -- 1: a timed iteration's output digest matched the checked output
  note           TEXT
);
INSERT INTO timings VALUES(1,'cuda_events+l2_read_flush',50,6.4191997051239011611e-05,6.2559999525547028021e-05,6.5824002027511593643e-05,6.4241919815540314076e-05,7.1082892198132887951e-07,6.3792001456022275583e-05,6.4720001071691526722e-05,6.3420798629522322198e-05,6.5129596740007403331e-05,169869312.0,0.0,2646.2693139832958878,0.0,0.61541146836820825871,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(2,'cuda_events+l2_read_flush',50,5.6352000683546066284e-05,5.5711999535560611379e-05,5.7695999741554260418e-05,5.6446080207824717595e-05,5.2139944407959006619e-07,5.5968001484870911676e-05,5.6760000064969058793e-05,5.590080097317695471e-05,5.7164799422025677887e-05,148635648.0,0.0,2637.6285881079525098,0.0,0.61340199723440769208,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(3,'cuda_events+l2_read_flush',50,0.00010784000158309937173,0.00010662399977445602514,0.00010915199667215347149,0.0001078035196661948934,6.8942249079505368018e-07,0.00010726399719715118082,0.00010824799723923206502,0.00010683520138263702305,0.00010864640027284622973,297271296.0,0.0,2756.5958052302939904,0.0,0.64106879191402188489,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(4,'cuda_events+l2_read_flush',50,6.6736001521348957367e-05,6.5343998372554781437e-05,6.8768002092838288979e-05,6.6723839938640590232e-05,8.6039192595152810504e-07,6.602400168776512482e-05,6.7319998517632493543e-05,6.5622400492429736312e-05,6.797120347619057157e-05,268435456.0,0.0,4022.348505763070989,0.0,0.93542988506117918934,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(5,'cuda_events+l2_read_flush',50,5.8256000280380251139e-05,5.7151999324560163887e-05,5.9200000017881396468e-05,5.8272640183568009107e-05,4.7978175458529440187e-07,5.7896001264452941204e-05,5.8687999844551088325e-05,5.766399949789047203e-05,5.8886401355266572237e-05,234881024.0,0.0,4031.8769374749608685,0.0,0.93764579941278158869,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(6,'cuda_events+l2_read_flush',50,0.00011681600287556648514,0.00011555200070142746275,0.00011833599954843521616,0.00011683007970452309685,5.7597919222952462764e-07,0.00011635199934244156035,0.00011717599816620350263,0.00011609599739313125328,0.00011757440119981766733,469762048.0,0.0,4021.3843688898941765,0.0,0.93520566718369635417,'hbm 4.30 TB/s',1,'');
CREATE TABLE samples (
  case_id      INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
  sample_index INTEGER NOT NULL,
  seconds      REAL NOT NULL,
  PRIMARY KEY (case_id, sample_index)
);
INSERT INTO samples VALUES(1,0,6.4640000462532048986e-05);
INSERT INTO samples VALUES(1,1,6.4768001437187202522e-05);
INSERT INTO samples VALUES(1,2,6.3455998897552490776e-05);
INSERT INTO samples VALUES(1,3,6.3776001334190374615e-05);
INSERT INTO samples VALUES(1,4,6.4383998513221741915e-05);
INSERT INTO samples VALUES(1,5,6.4255997538566588379e-05);
INSERT INTO samples VALUES(1,6,6.3519999384880067544e-05);
INSERT INTO samples VALUES(1,7,6.4415998756885530299e-05);
INSERT INTO samples VALUES(1,8,6.3936002552509302982e-05);
INSERT INTO samples VALUES(1,9,6.5535999834537511741e-05);
INSERT INTO samples VALUES(1,10,6.3391998410224914008e-05);
INSERT INTO samples VALUES(1,11,6.4127996563911434844e-05);
INSERT INTO samples VALUES(1,12,6.4768001437187202522e-05);
INSERT INTO samples VALUES(1,13,6.511999666690826275e-05);
INSERT INTO samples VALUES(1,14,6.467200070619583737e-05);
INSERT INTO samples VALUES(1,15,6.527999788522720467e-05);
INSERT INTO samples VALUES(1,16,6.4479999244213107066e-05);
INSERT INTO samples VALUES(1,17,6.5824002027511593643e-05);
INSERT INTO samples VALUES(1,18,6.4447999000549318683e-05);
INSERT INTO samples VALUES(1,19,6.527999788522720467e-05);
INSERT INTO samples VALUES(1,20,6.4223997294902799995e-05);
INSERT INTO samples VALUES(1,21,6.4127996563911434844e-05);
INSERT INTO samples VALUES(1,22,6.3423998653888702392e-05);
INSERT INTO samples VALUES(1,23,6.4992003142833707656e-05);
INSERT INTO samples VALUES(1,24,6.3583999872207644312e-05);
INSERT INTO samples VALUES(1,25,6.4032003283500668134e-05);
INSERT INTO samples VALUES(1,26,6.4064003527164456518e-05);
INSERT INTO samples VALUES(1,27,6.4191997051239011611e-05);
INSERT INTO samples VALUES(1,28,6.332799792289733724e-05);
INSERT INTO samples VALUES(1,29,6.4032003283500668134e-05);
INSERT INTO samples VALUES(1,30,6.3616000115871432695e-05);
INSERT INTO samples VALUES(1,31,6.511999666690826275e-05);
INSERT INTO samples VALUES(1,32,6.4191997051239011611e-05);
INSERT INTO samples VALUES(1,33,6.4960002899169919272e-05);
INSERT INTO samples VALUES(1,34,6.409599632024764646e-05);
INSERT INTO samples VALUES(1,35,6.467200070619583737e-05);
INSERT INTO samples VALUES(1,36,6.4992003142833707656e-05);
INSERT INTO samples VALUES(1,37,6.5215997397899627902e-05);
INSERT INTO samples VALUES(1,38,6.4736001193523414138e-05);
INSERT INTO samples VALUES(1,39,6.4575999975204472218e-05);
INSERT INTO samples VALUES(1,40,6.4575999975204472218e-05);
INSERT INTO samples VALUES(1,41,6.3936002552509302982e-05);
INSERT INTO samples VALUES(1,42,6.4064003527164456518e-05);
INSERT INTO samples VALUES(1,43,6.4032003283500668134e-05);
INSERT INTO samples VALUES(1,44,6.3455998897552490776e-05);
INSERT INTO samples VALUES(1,45,6.3840001821517951383e-05);
INSERT INTO samples VALUES(1,46,6.2656000256538393173e-05);
INSERT INTO samples VALUES(1,47,6.2559999525547028021e-05);
INSERT INTO samples VALUES(1,48,6.3167996704578395321e-05);
INSERT INTO samples VALUES(1,49,6.3551999628543855928e-05);
INSERT INTO samples VALUES(2,0,5.7695999741554260418e-05);
INSERT INTO samples VALUES(2,1,5.7023998349905017125e-05);
INSERT INTO samples VALUES(2,2,5.7503998279571536889e-05);
INSERT INTO samples VALUES(2,3,5.6607998907566074134e-05);
INSERT INTO samples VALUES(2,4,5.7376001030206682574e-05);
INSERT INTO samples VALUES(2,5,5.6928001344203951195e-05);
INSERT INTO samples VALUES(2,6,5.7280000299215317422e-05);
INSERT INTO samples VALUES(2,7,5.6223999708890912748e-05);
INSERT INTO samples VALUES(2,8,5.6127998977899554375e-05);
INSERT INTO samples VALUES(2,9,5.5936001241207123288e-05);
INSERT INTO samples VALUES(2,10,5.6159999221563342754e-05);
INSERT INTO samples VALUES(2,11,5.5968001484870911676e-05);
INSERT INTO samples VALUES(2,12,5.5968001484870911676e-05);
INSERT INTO samples VALUES(2,13,5.5840000510215758141e-05);
INSERT INTO samples VALUES(2,14,5.6448001414537431435e-05);
INSERT INTO samples VALUES(2,15,5.5936001241207123288e-05);
INSERT INTO samples VALUES(2,16,5.6416001170873643051e-05);
INSERT INTO samples VALUES(2,17,5.6031998246908189219e-05);
INSERT INTO samples VALUES(2,18,5.6288000196218489516e-05);
INSERT INTO samples VALUES(2,19,5.5840000510215758141e-05);
INSERT INTO samples VALUES(2,20,5.63200004398822779e-05);
INSERT INTO samples VALUES(2,21,5.5968001484870911676e-05);
INSERT INTO samples VALUES(2,22,5.6191999465227131143e-05);
INSERT INTO samples VALUES(2,23,5.5904000997543334908e-05);
INSERT INTO samples VALUES(2,24,5.6095998734235765987e-05);
INSERT INTO samples VALUES(2,25,5.6000001728534700056e-05);
INSERT INTO samples VALUES(2,26,5.6288000196218489516e-05);
INSERT INTO samples VALUES(2,27,5.5968001484870911676e-05);
INSERT INTO samples VALUES(2,28,5.6255999952554701132e-05);
INSERT INTO samples VALUES(2,29,5.587200075387954652e-05);
INSERT INTO samples VALUES(2,30,5.6416001170873643051e-05);
INSERT INTO samples VALUES(2,31,5.587200075387954652e-05);
INSERT INTO samples VALUES(2,32,5.6384000927209854668e-05);
INSERT INTO samples VALUES(2,33,5.5711999535560611379e-05);
INSERT INTO samples VALUES(2,34,5.5968001484870911676e-05);
INSERT INTO samples VALUES(2,35,5.5904000997543334908e-05);
INSERT INTO samples VALUES(2,36,5.7023998349905017125e-05);
INSERT INTO samples VALUES(2,37,5.6384000927209854668e-05);
INSERT INTO samples VALUES(2,38,5.7055998593568805514e-05);
INSERT INTO samples VALUES(2,39,5.6671999394893644123e-05);
INSERT INTO samples VALUES(2,40,5.7119999080896375503e-05);
INSERT INTO samples VALUES(2,41,5.6671999394893644123e-05);
INSERT INTO samples VALUES(2,42,5.7151999324560163887e-05);
INSERT INTO samples VALUES(2,43,5.7119999080896375503e-05);
INSERT INTO samples VALUES(2,44,5.6768000125885009279e-05);
INSERT INTO samples VALUES(2,45,5.6735999882221220891e-05);
INSERT INTO samples VALUES(2,46,5.6480001658201219819e-05);
INSERT INTO samples VALUES(2,47,5.7440001517534259342e-05);
INSERT INTO samples VALUES(2,48,5.6543998420238497366e-05);
INSERT INTO samples VALUES(2,49,5.6416001170873643051e-05);
INSERT INTO samples VALUES(3,0,0.00010745599865913391113);
INSERT INTO samples VALUES(3,1,0.0001077120006084442182);
INSERT INTO samples VALUES(3,2,0.0001081279963254928552);
INSERT INTO samples VALUES(3,3,0.00010726399719715118082);
INSERT INTO samples VALUES(3,4,0.0001085119992494583158);
INSERT INTO samples VALUES(3,5,0.00010745599865913391113);
INSERT INTO samples VALUES(3,6,0.00010864000022411346934);
INSERT INTO samples VALUES(3,7,0.00010774400085210800658);
INSERT INTO samples VALUES(3,8,0.0001081279963254928552);
INSERT INTO samples VALUES(3,9,0.00010809600353240966525);
INSERT INTO samples VALUES(3,10,0.00010806400328874587687);
INSERT INTO samples VALUES(3,11,0.00010761599987745285305);
INSERT INTO samples VALUES(3,12,0.00010819199681282043196);
INSERT INTO samples VALUES(3,13,0.0001075199991464614879);
INSERT INTO samples VALUES(3,14,0.00010758399963378906466);
INSERT INTO samples VALUES(3,15,0.00010726399719715118082);
INSERT INTO samples VALUES(3,16,0.0001081279963254928552);
INSERT INTO samples VALUES(3,17,0.00010713600367307662573);
INSERT INTO samples VALUES(3,18,0.00010876800119876862287);
INSERT INTO samples VALUES(3,19,0.00010742399841547012274);
INSERT INTO samples VALUES(3,20,0.00010864000022411346934);
INSERT INTO samples VALUES(3,21,0.00010793600231409073689);
INSERT INTO samples VALUES(3,22,0.00010825599730014800873);
INSERT INTO samples VALUES(3,23,0.00010735999792814254598);
INSERT INTO samples VALUES(3,24,0.00010796800255775452527);
INSERT INTO samples VALUES(3,25,0.00010726399719715118082);
INSERT INTO samples VALUES(3,26,0.00010803200304508208849);
INSERT INTO samples VALUES(3,27,0.0001077120006084442182);
INSERT INTO samples VALUES(3,28,0.00010825599730014800873);
INSERT INTO samples VALUES(3,29,0.00010719999670982360406);
INSERT INTO samples VALUES(3,30,0.00010815999656915664358);
INSERT INTO samples VALUES(3,31,0.00010896000266075133962);
INSERT INTO samples VALUES(3,32,0.00010854399949312210419);
INSERT INTO samples VALUES(3,33,0.00010889600217342376286);
INSERT INTO samples VALUES(3,34,0.00010860799998044968095);
INSERT INTO samples VALUES(3,35,0.00010704000294208527413);
INSERT INTO samples VALUES(3,36,0.00010864000022411346934);
INSERT INTO samples VALUES(3,37,0.00010665600001811981352);
INSERT INTO samples VALUES(3,38,0.00010870400071144104611);
INSERT INTO samples VALUES(3,39,0.00010672000050544739029);
INSERT INTO samples VALUES(3,40,0.00010822399705648422035);
INSERT INTO samples VALUES(3,41,0.00010662399977445602514);
INSERT INTO samples VALUES(3,42,0.00010819199681282043196);
INSERT INTO samples VALUES(3,43,0.00010704000294208527413);
INSERT INTO samples VALUES(3,44,0.00010915199667215347149);
INSERT INTO samples VALUES(3,45,0.00010729599744081496921);
INSERT INTO samples VALUES(3,46,0.00010665600001811981352);
INSERT INTO samples VALUES(3,47,0.00010684800148010254383);
INSERT INTO samples VALUES(3,48,0.00010662399977445602514);
INSERT INTO samples VALUES(3,49,0.00010713600367307662573);
INSERT INTO samples VALUES(4,0,6.8287998437881476773e-05);
INSERT INTO samples VALUES(4,1,6.7263998091220860483e-05);
INSERT INTO samples VALUES(4,2,6.6111996769905090657e-05);
INSERT INTO samples VALUES(4,3,6.630399823188782096e-05);
INSERT INTO samples VALUES(4,4,6.5375998616218569821e-05);
INSERT INTO samples VALUES(4,5,6.5535999834537511741e-05);
INSERT INTO samples VALUES(4,6,6.6047996282577513889e-05);
INSERT INTO samples VALUES(4,7,6.5824002027511593643e-05);
INSERT INTO samples VALUES(4,8,6.6111996769905090657e-05);
INSERT INTO samples VALUES(4,9,6.7103996872901918563e-05);
INSERT INTO samples VALUES(4,10,6.7295998334884648867e-05);
INSERT INTO samples VALUES(4,11,6.7455999553203590786e-05);
INSERT INTO samples VALUES(4,12,6.8063996732234958086e-05);
INSERT INTO samples VALUES(4,13,6.6752001643180844782e-05);
INSERT INTO samples VALUES(4,14,6.7968003451824191376e-05);
INSERT INTO samples VALUES(4,15,6.6016003489494323947e-05);
INSERT INTO samples VALUES(4,16,6.6111996769905090657e-05);
INSERT INTO samples VALUES(4,17,6.5952003002166747179e-05);
INSERT INTO samples VALUES(4,18,6.6335998475551609344e-05);
INSERT INTO samples VALUES(4,19,6.5343998372554781437e-05);
INSERT INTO samples VALUES(4,20,6.5888002514839170411e-05);
INSERT INTO samples VALUES(4,21,6.7167997360229495331e-05);
INSERT INTO samples VALUES(4,22,6.8768002092838288979e-05);
INSERT INTO samples VALUES(4,23,6.7327998578548437251e-05);
INSERT INTO samples VALUES(4,24,6.8255998194217688389e-05);
INSERT INTO samples VALUES(4,25,6.6784001886844633166e-05);
INSERT INTO samples VALUES(4,26,6.7167997360229495331e-05);
INSERT INTO samples VALUES(4,27,6.5888002514839170411e-05);
INSERT INTO samples VALUES(4,28,6.6592000424861902863e-05);
INSERT INTO samples VALUES(4,29,6.5343998372554781437e-05);
INSERT INTO samples VALUES(4,30,6.6848002374172209934e-05);
INSERT INTO samples VALUES(4,31,6.579200178384780526e-05);
INSERT INTO samples VALUES(4,32,6.7423999309539802402e-05);
INSERT INTO samples VALUES(4,33,6.7359998822212225635e-05);
INSERT INTO samples VALUES(4,34,6.7712001502513884305e-05);
INSERT INTO samples VALUES(4,35,6.6720001399517056398e-05);
INSERT INTO samples VALUES(4,36,6.800000369548797976e-05);
INSERT INTO samples VALUES(4,37,6.6656000912189479631e-05);
INSERT INTO samples VALUES(4,38,6.6495999693870551264e-05);
INSERT INTO samples VALUES(4,39,6.7167997360229495331e-05);
INSERT INTO samples VALUES(4,40,6.6367998719215397728e-05);
INSERT INTO samples VALUES(4,41,6.5535999834537511741e-05);
INSERT INTO samples VALUES(4,42,6.5760001540184016876e-05);
INSERT INTO samples VALUES(4,43,6.5632000565528876893e-05);
INSERT INTO samples VALUES(4,44,6.7616000771522519153e-05);
INSERT INTO samples VALUES(4,45,6.7391999065876014018e-05);
INSERT INTO samples VALUES(4,46,6.681600213050842155e-05);
INSERT INTO samples VALUES(4,47,6.6688001155853268014e-05);
INSERT INTO samples VALUES(4,48,6.6752001643180844782e-05);
INSERT INTO samples VALUES(4,49,6.7008003592491151853e-05);
INSERT INTO samples VALUES(5,0,5.8143999427556991793e-05);
INSERT INTO samples VALUES(5,1,5.811199918389320341e-05);
INSERT INTO samples VALUES(5,2,5.8752000331878665093e-05);
INSERT INTO samples VALUES(5,3,5.8655999600887299937e-05);
INSERT INTO samples VALUES(5,4,5.766399949789047203e-05);
INSERT INTO samples VALUES(5,5,5.884800106287003024e-05);
INSERT INTO samples VALUES(5,6,5.8240000158548356945e-05);
INSERT INTO samples VALUES(5,7,5.8687999844551088325e-05);
INSERT INTO samples VALUES(5,8,5.7856000959873202333e-05);
INSERT INTO samples VALUES(5,9,5.8207999914884568561e-05);
INSERT INTO samples VALUES(5,10,5.7856000959873202333e-05);
INSERT INTO samples VALUES(5,11,5.888000130653381185e-05);
INSERT INTO samples VALUES(5,12,5.7824000716209413954e-05);
INSERT INTO samples VALUES(5,13,5.9200000017881396468e-05);
INSERT INTO samples VALUES(5,14,5.91359995305538197e-05);
INSERT INTO samples VALUES(5,15,5.8944001793861388618e-05);
INSERT INTO samples VALUES(5,16,5.8400001376867298865e-05);
INSERT INTO samples VALUES(5,17,5.8720000088214876704e-05);
INSERT INTO samples VALUES(5,18,5.8015998452901838258e-05);
INSERT INTO samples VALUES(5,19,5.8368001133203510481e-05);
INSERT INTO samples VALUES(5,20,5.8368001133203510481e-05);
INSERT INTO samples VALUES(5,21,5.8752000331878665093e-05);
INSERT INTO samples VALUES(5,22,5.7888001203536990722e-05);
INSERT INTO samples VALUES(5,23,5.7856000959873202333e-05);
INSERT INTO samples VALUES(5,24,5.8495998382568358021e-05);
INSERT INTO samples VALUES(5,25,5.7983998209238056652e-05);
INSERT INTO samples VALUES(5,26,5.8272000402212145329e-05);
INSERT INTO samples VALUES(5,27,5.8400001376867298865e-05);
INSERT INTO samples VALUES(5,28,5.766399949789047203e-05);
INSERT INTO samples VALUES(5,29,5.8143999427556991793e-05);
INSERT INTO samples VALUES(5,30,5.763199925422668365e-05);
INSERT INTO samples VALUES(5,31,5.8304000645875933713e-05);
INSERT INTO samples VALUES(5,32,5.8207999914884568561e-05);
INSERT INTO samples VALUES(5,33,5.9007998555898666164e-05);
INSERT INTO samples VALUES(5,34,5.7792000472545625566e-05);
INSERT INTO samples VALUES(5,35,5.8015998452901838258e-05);
INSERT INTO samples VALUES(5,36,5.7952001690864567489e-05);
INSERT INTO samples VALUES(5,37,5.8400001376867298865e-05);
INSERT INTO samples VALUES(5,38,5.8175999671220780177e-05);
INSERT INTO samples VALUES(5,39,5.8687999844551088325e-05);
INSERT INTO samples VALUES(5,40,5.884800106287003024e-05);
INSERT INTO samples VALUES(5,41,5.8975998312234877781e-05);
INSERT INTO samples VALUES(5,42,5.8336000889539722097e-05);
INSERT INTO samples VALUES(5,43,5.8463998138904569633e-05);
INSERT INTO samples VALUES(5,44,5.7472001761198047726e-05);
INSERT INTO samples VALUES(5,45,5.7856000959873202333e-05);
INSERT INTO samples VALUES(5,46,5.8720000088214876704e-05);
INSERT INTO samples VALUES(5,47,5.7376001030206682574e-05);
INSERT INTO samples VALUES(5,48,5.7920001447200779101e-05);
INSERT INTO samples VALUES(5,49,5.7151999324560163887e-05);
INSERT INTO samples VALUES(6,0,0.00011686400324106216094);
INSERT INTO samples VALUES(6,1,0.00011612799763679504166);
INSERT INTO samples VALUES(6,2,0.00011692799627780913927);
INSERT INTO samples VALUES(6,3,0.00011673600226640702096);
INSERT INTO samples VALUES(6,4,0.00011731199920177459987);
INSERT INTO samples VALUES(6,5,0.00011763200163841248371);
INSERT INTO samples VALUES(6,6,0.00011673600226640702096);
INSERT INTO samples VALUES(6,7,0.00011702399700880050442);
INSERT INTO samples VALUES(6,8,0.00011622399836778640682);
INSERT INTO samples VALUES(6,9,0.00011711999773979186957);
INSERT INTO samples VALUES(6,10,0.00011670400202274323257);
INSERT INTO samples VALUES(6,11,0.00011654400080442429065);
INSERT INTO samples VALUES(6,12,0.00011737599968910217664);
INSERT INTO samples VALUES(6,13,0.00011603199690580367651);
INSERT INTO samples VALUES(6,14,0.00011715199798345565795);
INSERT INTO samples VALUES(6,15,0.00011628799885511398358);
INSERT INTO samples VALUES(6,16,0.00011731199920177459987);
INSERT INTO samples VALUES(6,17,0.00011673600226640702096);
INSERT INTO samples VALUES(6,18,0.00011740799993276596503);
INSERT INTO samples VALUES(6,19,0.00011660800129175186742);
INSERT INTO samples VALUES(6,20,0.00011657600104808807904);
INSERT INTO samples VALUES(6,21,0.0001170559972524642928);
INSERT INTO samples VALUES(6,22,0.00011715199798345565795);
INSERT INTO samples VALUES(6,23,0.00011619199812412261843);
INSERT INTO samples VALUES(6,24,0.00011833599954843521616);
INSERT INTO samples VALUES(6,25,0.0001164480000734329255);
INSERT INTO samples VALUES(6,26,0.00011680000275373459773);
INSERT INTO samples VALUES(6,27,0.00011756800115108490694);
INSERT INTO samples VALUES(6,28,0.00011680000275373459773);
INSERT INTO samples VALUES(6,29,0.00011683200299739837256);
INSERT INTO samples VALUES(6,30,0.0001176640018820762721);
INSERT INTO samples VALUES(6,31,0.00011779200285673141208);
INSERT INTO samples VALUES(6,32,0.00011740799993276596503);
INSERT INTO samples VALUES(6,33,0.00011651200056076050227);
INSERT INTO samples VALUES(6,34,0.00011683200299739837256);
INSERT INTO samples VALUES(6,35,0.00011603199690580367651);
INSERT INTO samples VALUES(6,36,0.00011779200285673141208);
INSERT INTO samples VALUES(6,37,0.00011612799763679504166);
INSERT INTO samples VALUES(6,38,0.00011727999895811081149);
INSERT INTO samples VALUES(6,39,0.00011603199690580367651);
INSERT INTO samples VALUES(6,40,0.00011664000153541565581);
INSERT INTO samples VALUES(6,41,0.00011715199798345565795);
INSERT INTO samples VALUES(6,42,0.0001170559972524642928);
INSERT INTO samples VALUES(6,43,0.00011631999909877777197);
INSERT INTO samples VALUES(6,44,0.00011718399822711944634);
INSERT INTO samples VALUES(6,45,0.00011609599739313125328);
INSERT INTO samples VALUES(6,46,0.00011609599739313125328);
INSERT INTO samples VALUES(6,47,0.00011711999773979186957);
INSERT INTO samples VALUES(6,48,0.00011555200070142746275);
INSERT INTO samples VALUES(6,49,0.00011619199812412261843);
CREATE TABLE gate_verdicts (
  verdict_id         INTEGER PRIMARY KEY,
  gate_id            INTEGER NOT NULL,
  decided_at         TEXT NOT NULL,      -- UTC, ISO 8601
  mode               TEXT NOT NULL,      -- 'gate' | 'aa' (two runs of the same build)
  baseline_run_id    INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  candidate_run_id   INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  kind               TEXT NOT NULL,      -- overall | performance | check | invariance | ulp_budget
  op                 TEXT,
  backend            TEXT,
  case_key           TEXT,
  check_name         TEXT,               -- check name, or the output for ulp_budget rows
  verdict            TEXT NOT NULL,      -- PASS | FAIL | SAME | FASTER | SLOWER | AMBIGUOUS | ERROR
  exit_code          INTEGER,            -- overall rows
  threshold          REAL,               -- minimum effect (performance) or ULP budget (ulp_budget)
  alpha              REAL,               -- 1 - confidence level of the effect's interval
  fdr_q              REAL,               -- Benjamini-Hochberg level
  min_samples        INTEGER,
  n_baseline         INTEGER,
  n_candidate        INTEGER,
  baseline_median_s  REAL,
  candidate_median_s REAL,
  effect             REAL,               -- relative change of the candidate's time: +0.2 = 20 % slower
  ci_low             REAL,
  ci_high            REAL,
  p_value            REAL,               -- two-sided Mann-Whitney U
  p_adjusted         REAL,               -- Benjamini-Hochberg adjusted
  measured           REAL,               -- worst ULP (ulp_budget), measured value (check)
  reason             TEXT                -- one readable line
);
CREATE INDEX cases_by_op ON cases(op, backend, case_key);
CREATE INDEX checks_by_case ON checks(case_id);
CREATE INDEX gate_verdicts_by_run ON gate_verdicts(candidate_run_id, gate_id);
CREATE VIEW check_results AS
  SELECT r.run_id, r.started_at, r.git_commit, c.op, c.backend, c.backend_role, c.case_key,
         k.check_name, k.passed, k.negative_control, k.bound, k.measured, k.max_ulp, k.detail, k.replay
  FROM checks k JOIN cases c USING (case_id) JOIN runs r USING (run_id);
COMMIT;
