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
INSERT INTO runs VALUES(1,'harness','gpu-focus','2026-11-29T12:31:06Z','2026-11-29T12:31:24Z','full',0,'3a88c5ba52cfc420e1a9e3bdb03e03419b87dee4',0,'Release','g++ 12.2.0','13.0','CUDA 13.0','NVIDIA H200','GPU-d9e283c8-1c11-a4df-8f6f-45666645db65','sm max 1980 MHz, mem 3201 MHz','vm','bin/v4harness run --suite full --op mhc_boundary --backend cuda --db /root/out/results.sqlite --tag gpu-focus --no-progress',36,0);
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
INSERT INTO cases VALUES(1,1,'mhc_boundary','cuda','candidate','cuda','mhc_boundary tokens=1 dim=4096 iters=20 seed=1','{"tokens":"1","dim":"4096","iters":"20","seed":1}');
INSERT INTO cases VALUES(2,1,'mhc_boundary','cuda','candidate','cuda','mhc_boundary tokens=4 dim=4096 iters=20 seed=1','{"tokens":"4","dim":"4096","iters":"20","seed":1}');
INSERT INTO cases VALUES(3,1,'mhc_boundary','cuda','candidate','cuda','mhc_boundary tokens=16 dim=4096 iters=20 seed=1','{"tokens":"16","dim":"4096","iters":"20","seed":1}');
INSERT INTO cases VALUES(4,1,'mhc_boundary','cuda','candidate','cuda','mhc_boundary tokens=1 dim=7168 iters=20 seed=1','{"tokens":"1","dim":"7168","iters":"20","seed":1}');
INSERT INTO cases VALUES(5,1,'mhc_boundary','cuda','candidate','cuda','mhc_boundary tokens=4 dim=7168 iters=20 seed=1','{"tokens":"4","dim":"7168","iters":"20","seed":1}');
INSERT INTO cases VALUES(6,1,'mhc_boundary','cuda','candidate','cuda','mhc_boundary tokens=16 dim=7168 iters=20 seed=1','{"tokens":"16","dim":"7168","iters":"20","seed":1}');
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
INSERT INTO checks VALUES(1,1,'accuracy.comb_next',1,0,'ulp<=2733751 f32 (Sinkhorn worst case with the mu error as logit error: weak by construction)',2733751.0,3.0,3.0,3.0,2.3943122633322092937e-07,8.3266726846886740531e-15,1,1,'[0,0,1] actual 0.207677752 expected 0.207677737 (1 ulp)','[3,8,5]','16 elements, 0 outside bound, max 3 ulp, p99.99 3 ulp, max rel 2.39e-07, calc_diff 8.33e-15; first divergence [0,0,1] actual 0.207677752 expected 0.207677737 (1 ulp)','','7c2538a6fb616054','mhc_boundary tokens=1 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.comb_next');
INSERT INTO checks VALUES(2,1,'accuracy.post_next',1,0,'ulp<=17504 f32 (probabilistic mu error (mhc_budgets.h) + gate roundings)',17504.0,1.0,1.0,1.0,8.7252908488451558881e-08,1.6653345369377348106e-15,1,1,'[0,0] actual 0.742198467 expected 0.742198408 (1 ulp)','[2,2]','4 elements, 0 outside bound, max 1 ulp, p99.99 1 ulp, max rel 8.73e-08, calc_diff 1.67e-15; first divergence [0,0] actual 0.742198467 expected 0.742198408 (1 ulp)','','e341b5492620d902','mhc_boundary tokens=1 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.post_next');
INSERT INTO checks VALUES(3,1,'accuracy.residual_out',1,0,'ulp<=2 bf16 at |x|>=0.00390625 (fp32 values within 10u * 25.8 < the bf16 spacing at the floor; + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[16384]','16384 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','c81af9559c6614c2','mhc_boundary tokens=1 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.residual_out');
INSERT INTO checks VALUES(4,1,'accuracy.y',1,0,'ulp<=2 bf16 at |x|>=2 (pre error from the mu bound times 4 streams of |X| <= 8.6: < 1 spacing at the floor, + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[4096]','4096 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','3ed41f9f2f2edf61','mhc_boundary tokens=1 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(5,1,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest 84d74a0e67942c82)','','84d74a0e67942c82','mhc_boundary tokens=1 dim=4096 iters=20 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(6,1,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,15,16,17,127,128,129,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','cooperative, one chunk,cooperative, several 16-token chunks','7906e747e0be6c81','mhc_boundary tokens=1 dim=4096 iters=20 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(7,2,'accuracy.comb_next',1,0,'ulp<=2733751 f32 (Sinkhorn worst case with the mu error as logit error: weak by construction)',2733751.0,4.0,4.0,4.0,3.2265813515536232308e-07,3.8857805861880478914e-15,1,1,'[0,0,0] actual 0.0778704658 expected 0.0778704733 (1 ulp)','[19,32,12,1]','64 elements, 0 outside bound, max 4 ulp, p99.99 4 ulp, max rel 3.23e-07, calc_diff 3.89e-15; first divergence [0,0,0] actual 0.0778704658 expected 0.0778704733 (1 ulp)','','785fee4c9f5c680d','mhc_boundary tokens=4 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.comb_next');
INSERT INTO checks VALUES(8,2,'accuracy.post_next',1,0,'ulp<=17504 f32 (probabilistic mu error (mhc_budgets.h) + gate roundings)',17504.0,2.0,2.0,2.0,1.3964592496433443149e-07,1.3322676295501878485e-15,1,1,'[0,3] actual 0.972179592 expected 0.972179532 (1 ulp)','[9,6,1]','16 elements, 0 outside bound, max 2 ulp, p99.99 2 ulp, max rel 1.4e-07, calc_diff 1.33e-15; first divergence [0,3] actual 0.972179592 expected 0.972179532 (1 ulp)','','35e96831fedfffc4','mhc_boundary tokens=4 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.post_next');
INSERT INTO checks VALUES(9,2,'accuracy.residual_out',1,0,'ulp<=2 bf16 at |x|>=0.00390625 (fp32 values within 10u * 25.8 < the bf16 spacing at the floor; + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[65536]','65536 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','912abce7be9855e1','mhc_boundary tokens=4 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.residual_out');
INSERT INTO checks VALUES(10,2,'accuracy.y',1,0,'ulp<=2 bf16 at |x|>=2 (pre error from the mu bound times 4 streams of |X| <= 8.6: < 1 spacing at the floor, + rounding)',2.0,0.0009765625,0.0009765625,0.0,0.0045454545454545452337,1.4432899320127035025e-15,1,1,'[0,3288] actual -0.00337219238 expected -0.00335693359 (0.0009765625 ulp)','[16383,1]','16384 elements, 0 outside bound, max 0.0009765625 ulp, p99.99 0 ulp, max rel 0.00455, calc_diff 1.44e-15; first divergence [0,3288] actual -0.00337219238 expected -0.00335693359 (0.0009765625 ulp)','','62011d5a66bf2b45','mhc_boundary tokens=4 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(11,2,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest b0e77c271bd59534)','','b0e77c271bd59534','mhc_boundary tokens=4 dim=4096 iters=20 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(12,2,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,15,16,17,127,128,129,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','cooperative, one chunk,cooperative, several 16-token chunks','7906e747e0be6c81','mhc_boundary tokens=4 dim=4096 iters=20 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(13,3,'accuracy.comb_next',1,0,'ulp<=2733751 f32 (Sinkhorn worst case with the mu error as logit error: weak by construction)',2733751.0,5.0,5.0,5.0,4.6290906406036517943e-07,2.664535259100375697e-15,1,1,'[0,0,0] actual 0.0778704658 expected 0.0778704733 (1 ulp)','[77,121,49,9]','256 elements, 0 outside bound, max 5 ulp, p99.99 5 ulp, max rel 4.63e-07, calc_diff 2.66e-15; first divergence [0,0,0] actual 0.0778704658 expected 0.0778704733 (1 ulp)','','1e200338ae627c1a','mhc_boundary tokens=16 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.comb_next');
INSERT INTO checks VALUES(14,3,'accuracy.post_next',1,0,'ulp<=17504 f32 (probabilistic mu error (mhc_budgets.h) + gate roundings)',17504.0,2.0,2.0,2.0,1.3964592496433443149e-07,9.9920072216264088638e-16,1,1,'[0,3] actual 0.972179592 expected 0.972179532 (1 ulp)','[41,21,2]','64 elements, 0 outside bound, max 2 ulp, p99.99 2 ulp, max rel 1.4e-07, calc_diff 9.99e-16; first divergence [0,3] actual 0.972179592 expected 0.972179532 (1 ulp)','','b51e4872848b0c1c','mhc_boundary tokens=16 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.post_next');
INSERT INTO checks VALUES(15,3,'accuracy.residual_out',1,0,'ulp<=2 bf16 at |x|>=0.00390625 (fp32 values within 10u * 25.8 < the bf16 spacing at the floor; + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[262144]','262144 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','d347196f0c4c2b89','mhc_boundary tokens=16 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.residual_out');
INSERT INTO checks VALUES(16,3,'accuracy.y',1,0,'ulp<=2 bf16 at |x|>=2 (pre error from the mu bound times 4 streams of |X| <= 8.6: < 1 spacing at the floor, + rounding)',2.0,0.0009765625,0.0009765625,0.0,0.0045454545454545452337,3.3306690738754696212e-16,1,1,'[0,3288] actual -0.00337219238 expected -0.00335693359 (0.0009765625 ulp)','[65535,1]','65536 elements, 0 outside bound, max 0.0009765625 ulp, p99.99 0 ulp, max rel 0.00455, calc_diff 3.33e-16; first divergence [0,3288] actual -0.00337219238 expected -0.00335693359 (0.0009765625 ulp)','','2d8034842fc3e53a','mhc_boundary tokens=16 dim=4096 iters=20 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(17,3,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest d0a31e805c665916)','','d0a31e805c665916','mhc_boundary tokens=16 dim=4096 iters=20 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(18,3,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,15,16,17,127,128,129,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','cooperative, one chunk,cooperative, several 16-token chunks','7906e747e0be6c81','mhc_boundary tokens=16 dim=4096 iters=20 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(19,4,'accuracy.comb_next',1,0,'ulp<=2733751 f32 (Sinkhorn worst case with the mu error as logit error: weak by construction)',2733751.0,3.0,3.0,3.0,2.9788773763001312627e-07,3.7747582837255322374e-15,1,1,'[0,0,1] actual 0.241578102 expected 0.241578087 (1 ulp)','[6,6,4]','16 elements, 0 outside bound, max 3 ulp, p99.99 3 ulp, max rel 2.98e-07, calc_diff 3.77e-15; first divergence [0,0,1] actual 0.241578102 expected 0.241578087 (1 ulp)','','6fb8c4f972dc1b81','mhc_boundary tokens=1 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.comb_next');
INSERT INTO checks VALUES(20,4,'accuracy.post_next',1,0,'ulp<=17504 f32 (probabilistic mu error (mhc_budgets.h) + gate roundings)',17504.0,1.0,1.0,1.0,1.0643706913609181841e-07,2.9976021664879226591e-15,1,1,'[0,0] actual 0.990519524 expected 0.990519464 (1 ulp)','[1,3]','4 elements, 0 outside bound, max 1 ulp, p99.99 1 ulp, max rel 1.06e-07, calc_diff 3e-15; first divergence [0,0] actual 0.990519524 expected 0.990519464 (1 ulp)','','d690f5c82a6757d6','mhc_boundary tokens=1 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.post_next');
INSERT INTO checks VALUES(21,4,'accuracy.residual_out',1,0,'ulp<=2 bf16 at |x|>=0.00390625 (fp32 values within 10u * 25.8 < the bf16 spacing at the floor; + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[28672]','28672 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','b1f195f0f690297e','mhc_boundary tokens=1 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.residual_out');
INSERT INTO checks VALUES(22,4,'accuracy.y',1,0,'ulp<=2 bf16 at |x|>=2 (pre error from the mu bound times 4 streams of |X| <= 8.6: < 1 spacing at the floor, + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[7168]','7168 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','dbd2795772e3b354','mhc_boundary tokens=1 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(23,4,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest 00603ddf1f4f586e)','','00603ddf1f4f586e','mhc_boundary tokens=1 dim=7168 iters=20 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(24,4,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,15,16,17,127,128,129,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','cooperative, one chunk,cooperative, several 16-token chunks','5c44bd82a7530638','mhc_boundary tokens=1 dim=7168 iters=20 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(25,5,'accuracy.comb_next',1,0,'ulp<=2733751 f32 (Sinkhorn worst case with the mu error as logit error: weak by construction)',2733751.0,8.0,8.0,8.0,6.241780842492171103e-07,3.8857805861880478914e-15,1,1,'[0,0,0] actual 0.132265374 expected 0.132265389 (1 ulp)','[16,26,21,0,1]','64 elements, 0 outside bound, max 8 ulp, p99.99 8 ulp, max rel 6.24e-07, calc_diff 3.89e-15; first divergence [0,0,0] actual 0.132265374 expected 0.132265389 (1 ulp)','','ebba3fb29e0e82fa','mhc_boundary tokens=4 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.comb_next');
INSERT INTO checks VALUES(26,5,'accuracy.post_next',1,0,'ulp<=17504 f32 (probabilistic mu error (mhc_budgets.h) + gate roundings)',17504.0,2.0,2.0,2.0,1.7974362986328968221e-07,7.7715611723760957829e-16,1,1,'[2,0] actual 0.937582791 expected 0.93758285 (1 ulp)','[12,3,1]','16 elements, 0 outside bound, max 2 ulp, p99.99 2 ulp, max rel 1.8e-07, calc_diff 7.77e-16; first divergence [2,0] actual 0.937582791 expected 0.93758285 (1 ulp)','','5fe0de48584acc50','mhc_boundary tokens=4 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.post_next');
INSERT INTO checks VALUES(27,5,'accuracy.residual_out',1,0,'ulp<=2 bf16 at |x|>=0.00390625 (fp32 values within 10u * 25.8 < the bf16 spacing at the floor; + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[114688]','114688 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','34d759b7f2bd2e43','mhc_boundary tokens=4 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.residual_out');
INSERT INTO checks VALUES(28,5,'accuracy.y',1,0,'ulp<=2 bf16 at |x|>=2 (pre error from the mu bound times 4 streams of |X| <= 8.6: < 1 spacing at the floor, + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[28672]','28672 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','3e4d898611d68283','mhc_boundary tokens=4 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(29,5,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest fbcaa93a86adc148)','','fbcaa93a86adc148','mhc_boundary tokens=4 dim=7168 iters=20 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(30,5,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,15,16,17,127,128,129,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','cooperative, one chunk,cooperative, several 16-token chunks','5c44bd82a7530638','mhc_boundary tokens=4 dim=7168 iters=20 seed=1 backend=cuda check=batch_invariance');
INSERT INTO checks VALUES(31,6,'accuracy.comb_next',1,0,'ulp<=2733751 f32 (Sinkhorn worst case with the mu error as logit error: weak by construction)',2733751.0,8.0,8.0,8.0,6.241780842492171103e-07,4.1078251911130791995e-15,1,1,'[0,0,0] actual 0.132265374 expected 0.132265389 (1 ulp)','[75,109,65,6,1]','256 elements, 0 outside bound, max 8 ulp, p99.99 8 ulp, max rel 6.24e-07, calc_diff 4.11e-15; first divergence [0,0,0] actual 0.132265374 expected 0.132265389 (1 ulp)','','08bc837680ccc432','mhc_boundary tokens=16 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.comb_next');
INSERT INTO checks VALUES(32,6,'accuracy.post_next',1,0,'ulp<=17504 f32 (probabilistic mu error (mhc_budgets.h) + gate roundings)',17504.0,2.0,2.0,2.0,1.7974362986328968221e-07,1.2212453270876721944e-15,1,1,'[2,0] actual 0.937582791 expected 0.93758285 (1 ulp)','[46,16,2]','64 elements, 0 outside bound, max 2 ulp, p99.99 2 ulp, max rel 1.8e-07, calc_diff 1.22e-15; first divergence [2,0] actual 0.937582791 expected 0.93758285 (1 ulp)','','ede844e329af4e87','mhc_boundary tokens=16 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.post_next');
INSERT INTO checks VALUES(33,6,'accuracy.residual_out',1,0,'ulp<=2 bf16 at |x|>=0.00390625 (fp32 values within 10u * 25.8 < the bf16 spacing at the floor; + rounding)',2.0,0.0,0.0,0.0,0.0,0.0,1,1,NULL,'[458752]','458752 elements, 0 outside bound, max 0 ulp, p99.99 0 ulp, max rel 0, calc_diff 0','','452732ee5441a5ff','mhc_boundary tokens=16 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.residual_out');
INSERT INTO checks VALUES(34,6,'accuracy.y',1,0,'ulp<=2 bf16 at |x|>=2 (pre error from the mu bound times 4 streams of |X| <= 8.6: < 1 spacing at the floor, + rounding)',2.0,0.0625,0.0625,0.0,0.0054945054945054949344,6.9588779183504811953e-13,1,1,'[10,1643] actual -0.178710938 expected -0.177734375 (0.0625 ulp)','[114687,1]','114688 elements, 0 outside bound, max 0.0625 ulp, p99.99 0 ulp, max rel 0.00549, calc_diff 6.96e-13; first divergence [10,1643] actual -0.178710938 expected -0.177734375 (0.0625 ulp)','','c9b9985abc4bec76','mhc_boundary tokens=16 dim=7168 iters=20 seed=1 backend=cuda check=accuracy.y');
INSERT INTO checks VALUES(35,6,'determinism',1,0,'20 reruns bitwise, no retries',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'20 reruns identical to run 0 (digest 1ee84bd1ff466b07)','','1ee84bd1ff466b07','mhc_boundary tokens=16 dim=7168 iters=20 seed=1 backend=cuda check=determinism');
INSERT INTO checks VALUES(36,6,'batch_invariance',1,0,'bitwise, batch sizes {1,2,3,15,16,17,127,128,129,4095,4096,4097}, random positions and other rows',0.0,0.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'row 673 identical alone and in 12 batch sizes','cooperative, one chunk,cooperative, several 16-token chunks','5c44bd82a7530638','mhc_boundary tokens=16 dim=7168 iters=20 seed=1 backend=cuda check=batch_invariance');
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
INSERT INTO timings VALUES(1,'cuda_events+l2_read_flush',50,1.4720000326633452962e-05,1.4271999709308148473e-05,1.6224000602960585626e-05,1.4844799991697070226e-05,4.178921365582143109e-07,1.4535999856889247948e-05,1.4976000413298607035e-05,1.4492799621075392465e-05,1.5334400255233049956e-05,1687552.0,950272.0,114.64347571695691385,0.064556520306635931105,0.026661273422548117245,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(2,'cuda_events+l2_read_flush',50,1.4816000126302243309e-05,1.4015999622642994401e-05,1.5936000272631646557e-05,1.4836479965597383766e-05,3.6421186014591654029e-07,1.4535999624058605094e-05,1.5096000395715236976e-05,1.4492799621075392465e-05,1.526719983667135488e-05,2031616.0,3801088.0,137.12310898225186406,0.25655291357969706167,0.031889095112151599753,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(3,'cuda_events+l2_read_flush',50,1.5647999942302704101e-05,1.5072000212967395687e-05,1.7023999243974686617e-05,1.5761279985308646847e-05,3.7714749859244728418e-07,1.5519999898970128758e-05,1.5992000699043272841e-05,1.5359999611973761644e-05,1.6127999871969223862e-05,3407872.0,15204352.0,217.78323188685476453,0.9716482653413520687,0.050647263229501110481,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(4,'cuda_events+l2_read_flush',50,1.529600005596876307e-05,1.4623999595642089505e-05,1.6928000375628471076e-05,1.538495998829602382e-05,5.0145425002944428649e-07,1.5039999969303608997e-05,1.5544000081717966659e-05,1.4876799751073121881e-05,1.5984000451862815528e-05,2953216.0,1662976.0,193.07112900065689586,0.10871966487415631041,0.044900262558292304559,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(5,'cuda_events+l2_read_flush',50,1.5375999733805655836e-05,1.4783999882638454925e-05,1.696000061929225946e-05,1.5516160000115629679e-05,5.6009388900893588682e-07,1.5151999890804291842e-05,1.5751999570056796995e-05,1.5004799794405698917e-05,1.6416000202298166319e-05,3555328.0,6651904.0,231.22581045466981208,0.43261603246357571705,0.053773444291783677184,'hbm 4.30 TB/s',1,'');
INSERT INTO timings VALUES(6,'cuda_events+l2_read_flush',50,1.6432000324130060511e-05,1.5647999942302704101e-05,1.7567999660968779758e-05,1.6439680047333244419e-05,3.922813986712930975e-07,1.6168000176548959342e-05,1.6664000228047369907e-05,1.5996800735592843132e-05,1.6931200399994851269e-05,5963776.0,26607616.0,362.93670170163733245,1.6192560537457665326,0.084403884116659860792,'hbm 4.30 TB/s',1,'');
CREATE TABLE samples (
  case_id      INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
  sample_index INTEGER NOT NULL,
  seconds      REAL NOT NULL,
  PRIMARY KEY (case_id, sample_index)
);
INSERT INTO samples VALUES(1,0,1.587199978530406979e-05);
INSERT INTO samples VALUES(1,1,1.5391999855637550028e-05);
INSERT INTO samples VALUES(1,2,1.4688000082969666273e-05);
INSERT INTO samples VALUES(1,3,1.4944000169634818651e-05);
INSERT INTO samples VALUES(1,4,1.459200028330087762e-05);
INSERT INTO samples VALUES(1,5,1.5424000099301338412e-05);
INSERT INTO samples VALUES(1,6,1.4336000196635723547e-05);
INSERT INTO samples VALUES(1,7,1.4976000413298607035e-05);
INSERT INTO samples VALUES(1,8,1.4688000082969666273e-05);
INSERT INTO samples VALUES(1,9,1.5007999725639820614e-05);
INSERT INTO samples VALUES(1,10,1.4271999709308148473e-05);
INSERT INTO samples VALUES(1,11,1.5231999568641186302e-05);
INSERT INTO samples VALUES(1,12,1.4495999552309514163e-05);
INSERT INTO samples VALUES(1,13,1.4976000413298607035e-05);
INSERT INTO samples VALUES(1,14,1.4527999795973300852e-05);
INSERT INTO samples VALUES(1,15,1.5007999725639820614e-05);
INSERT INTO samples VALUES(1,16,1.4495999552309514163e-05);
INSERT INTO samples VALUES(1,17,1.5039999969303608997e-05);
INSERT INTO samples VALUES(1,18,1.4495999552309514163e-05);
INSERT INTO samples VALUES(1,19,1.5072000212967395687e-05);
INSERT INTO samples VALUES(1,20,1.4495999552309514163e-05);
INSERT INTO samples VALUES(1,21,1.5200000256299972724e-05);
INSERT INTO samples VALUES(1,22,1.4495999552309514163e-05);
INSERT INTO samples VALUES(1,23,1.4720000326633452962e-05);
INSERT INTO samples VALUES(1,24,1.4655999839305877889e-05);
INSERT INTO samples VALUES(1,25,1.6224000602960585626e-05);
INSERT INTO samples VALUES(1,26,1.4623999595642089505e-05);
INSERT INTO samples VALUES(1,27,1.491199992597103196e-05);
INSERT INTO samples VALUES(1,28,1.4495999552309514163e-05);
INSERT INTO samples VALUES(1,29,1.6095999628305435479e-05);
INSERT INTO samples VALUES(1,30,1.4560000039637089236e-05);
INSERT INTO samples VALUES(1,31,1.4720000326633452962e-05);
INSERT INTO samples VALUES(1,32,1.4336000196635723547e-05);
INSERT INTO samples VALUES(1,33,1.4976000413298607035e-05);
INSERT INTO samples VALUES(1,34,1.4720000326633452962e-05);
INSERT INTO samples VALUES(1,35,1.4848000369966029999e-05);
INSERT INTO samples VALUES(1,36,1.4655999839305877889e-05);
INSERT INTO samples VALUES(1,37,1.491199992597103196e-05);
INSERT INTO samples VALUES(1,38,1.4879999682307243577e-05);
INSERT INTO samples VALUES(1,39,1.4879999682307243577e-05);
INSERT INTO samples VALUES(1,40,1.4720000326633452962e-05);
INSERT INTO samples VALUES(1,41,1.5328000299632548066e-05);
INSERT INTO samples VALUES(1,42,1.4751999638974666541e-05);
INSERT INTO samples VALUES(1,43,1.491199992597103196e-05);
INSERT INTO samples VALUES(1,44,1.4976000413298607035e-05);
INSERT INTO samples VALUES(1,45,1.4368000440299511931e-05);
INSERT INTO samples VALUES(1,46,1.4464000239968300583e-05);
INSERT INTO samples VALUES(1,47,1.4560000039637089236e-05);
INSERT INTO samples VALUES(1,48,1.4495999552309514163e-05);
INSERT INTO samples VALUES(1,49,1.4720000326633452962e-05);
INSERT INTO samples VALUES(2,0,1.4720000326633452962e-05);
INSERT INTO samples VALUES(2,1,1.4848000369966029999e-05);
INSERT INTO samples VALUES(2,2,1.4751999638974666541e-05);
INSERT INTO samples VALUES(2,3,1.4720000326633452962e-05);
INSERT INTO samples VALUES(2,4,1.5359999611973761644e-05);
INSERT INTO samples VALUES(2,5,1.4720000326633452962e-05);
INSERT INTO samples VALUES(2,6,1.5263999812304974686e-05);
INSERT INTO samples VALUES(2,7,1.4816000126302243309e-05);
INSERT INTO samples VALUES(2,8,1.513599976897239765e-05);
INSERT INTO samples VALUES(2,9,1.4495999552309514163e-05);
INSERT INTO samples VALUES(2,10,1.4879999682307243577e-05);
INSERT INTO samples VALUES(2,11,1.4688000082969666273e-05);
INSERT INTO samples VALUES(2,12,1.5039999969303608997e-05);
INSERT INTO samples VALUES(2,13,1.4336000196635723547e-05);
INSERT INTO samples VALUES(2,14,1.529600005596876307e-05);
INSERT INTO samples VALUES(2,15,1.4495999552309514163e-05);
INSERT INTO samples VALUES(2,16,1.5039999969303608997e-05);
INSERT INTO samples VALUES(2,17,1.4879999682307243577e-05);
INSERT INTO samples VALUES(2,18,1.5263999812304974686e-05);
INSERT INTO samples VALUES(2,19,1.4688000082969666273e-05);
INSERT INTO samples VALUES(2,20,1.4816000126302243309e-05);
INSERT INTO samples VALUES(2,21,1.4495999552309514163e-05);
INSERT INTO samples VALUES(2,22,1.510400045663118407e-05);
INSERT INTO samples VALUES(2,23,1.4495999552309514163e-05);
INSERT INTO samples VALUES(2,24,1.4944000169634818651e-05);
INSERT INTO samples VALUES(2,25,1.4495999552309514163e-05);
INSERT INTO samples VALUES(2,26,1.516800001263618434e-05);
INSERT INTO samples VALUES(2,27,1.4655999839305877889e-05);
INSERT INTO samples VALUES(2,28,1.4751999638974666541e-05);
INSERT INTO samples VALUES(2,29,1.5007999725639820614e-05);
INSERT INTO samples VALUES(2,30,1.513599976897239765e-05);
INSERT INTO samples VALUES(2,31,1.4495999552309514163e-05);
INSERT INTO samples VALUES(2,32,1.5328000299632548066e-05);
INSERT INTO samples VALUES(2,33,1.4688000082969666273e-05);
INSERT INTO samples VALUES(2,34,1.4848000369966029999e-05);
INSERT INTO samples VALUES(2,35,1.4688000082969666273e-05);
INSERT INTO samples VALUES(2,36,1.516800001263618434e-05);
INSERT INTO samples VALUES(2,37,1.4464000239968300583e-05);
INSERT INTO samples VALUES(2,38,1.4848000369966029999e-05);
INSERT INTO samples VALUES(2,39,1.4336000196635723547e-05);
INSERT INTO samples VALUES(2,40,1.516800001263618434e-05);
INSERT INTO samples VALUES(2,41,1.4688000082969666273e-05);
INSERT INTO samples VALUES(2,42,1.5072000212967395687e-05);
INSERT INTO samples VALUES(2,43,1.4816000126302243309e-05);
INSERT INTO samples VALUES(2,44,1.5936000272631646557e-05);
INSERT INTO samples VALUES(2,45,1.4495999552309514163e-05);
INSERT INTO samples VALUES(2,46,1.5584000386297702138e-05);
INSERT INTO samples VALUES(2,47,1.4495999552309514163e-05);
INSERT INTO samples VALUES(2,48,1.4175999909639358128e-05);
INSERT INTO samples VALUES(2,49,1.4015999622642994401e-05);
INSERT INTO samples VALUES(3,0,1.6095999628305435479e-05);
INSERT INTO samples VALUES(3,1,1.5839999541640281406e-05);
INSERT INTO samples VALUES(3,2,1.5968000516295434941e-05);
INSERT INTO samples VALUES(3,3,1.6063999384641647095e-05);
INSERT INTO samples VALUES(3,4,1.5519999898970128758e-05);
INSERT INTO samples VALUES(3,5,1.6127999871969223862e-05);
INSERT INTO samples VALUES(3,6,1.5359999611973761644e-05);
INSERT INTO samples VALUES(3,7,1.5807999297976493022e-05);
INSERT INTO samples VALUES(3,8,1.5359999611973761644e-05);
INSERT INTO samples VALUES(3,9,1.7023999243974686617e-05);
INSERT INTO samples VALUES(3,10,1.5328000299632548066e-05);
INSERT INTO samples VALUES(3,11,1.5936000272631646557e-05);
INSERT INTO samples VALUES(3,12,1.5807999297976493022e-05);
INSERT INTO samples VALUES(3,13,1.5552000142633913754e-05);
INSERT INTO samples VALUES(3,14,1.5584000386297702138e-05);
INSERT INTO samples VALUES(3,15,1.6095999628305435479e-05);
INSERT INTO samples VALUES(3,16,1.5487999655306340375e-05);
INSERT INTO samples VALUES(3,17,1.5615999698638915717e-05);
INSERT INTO samples VALUES(3,18,1.5552000142633913754e-05);
INSERT INTO samples VALUES(3,19,1.6000000759959219937e-05);
INSERT INTO samples VALUES(3,20,1.5584000386297702138e-05);
INSERT INTO samples VALUES(3,21,1.5776000916957854248e-05);
INSERT INTO samples VALUES(3,22,1.5519999898970128758e-05);
INSERT INTO samples VALUES(3,23,1.5744000673294069252e-05);
INSERT INTO samples VALUES(3,24,1.5647999942302704101e-05);
INSERT INTO samples VALUES(3,25,1.5968000516295434941e-05);
INSERT INTO samples VALUES(3,26,1.5519999898970128758e-05);
INSERT INTO samples VALUES(3,27,1.5647999942302704101e-05);
INSERT INTO samples VALUES(3,28,1.5552000142633913754e-05);
INSERT INTO samples VALUES(3,29,1.6224000602960585626e-05);
INSERT INTO samples VALUES(3,30,1.5391999855637550028e-05);
INSERT INTO samples VALUES(3,31,1.5936000272631646557e-05);
INSERT INTO samples VALUES(3,32,1.5552000142633913754e-05);
INSERT INTO samples VALUES(3,33,1.6095999628305435479e-05);
INSERT INTO samples VALUES(3,34,1.5552000142633913754e-05);
INSERT INTO samples VALUES(3,35,1.6063999384641647095e-05);
INSERT INTO samples VALUES(3,36,1.5391999855637550028e-05);
INSERT INTO samples VALUES(3,37,1.5904000028967858173e-05);
INSERT INTO samples VALUES(3,38,1.5519999898970128758e-05);
INSERT INTO samples VALUES(3,39,1.6095999628305435479e-05);
INSERT INTO samples VALUES(3,40,1.5391999855637550028e-05);
INSERT INTO samples VALUES(3,41,1.6607999801635743623e-05);
INSERT INTO samples VALUES(3,42,1.5552000142633913754e-05);
INSERT INTO samples VALUES(3,43,1.6640000045299532007e-05);
INSERT INTO samples VALUES(3,44,1.5328000299632548066e-05);
INSERT INTO samples VALUES(3,45,1.5424000099301338412e-05);
INSERT INTO samples VALUES(3,46,1.5359999611973761644e-05);
INSERT INTO samples VALUES(3,47,1.6127999871969223862e-05);
INSERT INTO samples VALUES(3,48,1.5744000673294069252e-05);
INSERT INTO samples VALUES(3,49,1.5072000212967395687e-05);
INSERT INTO samples VALUES(4,0,1.510400045663118407e-05);
INSERT INTO samples VALUES(4,1,1.5456000342965126796e-05);
INSERT INTO samples VALUES(4,2,1.5424000099301338412e-05);
INSERT INTO samples VALUES(4,3,1.5744000673294069252e-05);
INSERT INTO samples VALUES(4,4,1.6351999714970589551e-05);
INSERT INTO samples VALUES(4,5,1.529600005596876307e-05);
INSERT INTO samples VALUES(4,6,1.6928000375628471076e-05);
INSERT INTO samples VALUES(4,7,1.5007999725639820614e-05);
INSERT INTO samples VALUES(4,8,1.5519999898970128758e-05);
INSERT INTO samples VALUES(4,9,1.529600005596876307e-05);
INSERT INTO samples VALUES(4,10,1.6767999157309532544e-05);
INSERT INTO samples VALUES(4,11,1.5263999812304974686e-05);
INSERT INTO samples VALUES(4,12,1.5904000028967858173e-05);
INSERT INTO samples VALUES(4,13,1.529600005596876307e-05);
INSERT INTO samples VALUES(4,14,1.6511999070644378472e-05);
INSERT INTO samples VALUES(4,15,1.5263999812304974686e-05);
INSERT INTO samples VALUES(4,16,1.5263999812304974686e-05);
INSERT INTO samples VALUES(4,17,1.4848000369966029999e-05);
INSERT INTO samples VALUES(4,18,1.5391999855637550028e-05);
INSERT INTO samples VALUES(4,19,1.510400045663118407e-05);
INSERT INTO samples VALUES(4,20,1.6127999871969223862e-05);
INSERT INTO samples VALUES(4,21,1.5231999568641186302e-05);
INSERT INTO samples VALUES(4,22,1.5456000342965126796e-05);
INSERT INTO samples VALUES(4,23,1.513599976897239765e-05);
INSERT INTO samples VALUES(4,24,1.529600005596876307e-05);
INSERT INTO samples VALUES(4,25,1.513599976897239765e-05);
INSERT INTO samples VALUES(4,26,1.5456000342965126796e-05);
INSERT INTO samples VALUES(4,27,1.4879999682307243577e-05);
INSERT INTO samples VALUES(4,28,1.5552000142633913754e-05);
INSERT INTO samples VALUES(4,29,1.4816000126302243309e-05);
INSERT INTO samples VALUES(4,30,1.5968000516295434941e-05);
INSERT INTO samples VALUES(4,31,1.5039999969303608997e-05);
INSERT INTO samples VALUES(4,32,1.5424000099301338412e-05);
INSERT INTO samples VALUES(4,33,1.4879999682307243577e-05);
INSERT INTO samples VALUES(4,34,1.5328000299632548066e-05);
INSERT INTO samples VALUES(4,35,1.5039999969303608997e-05);
INSERT INTO samples VALUES(4,36,1.5328000299632548066e-05);
INSERT INTO samples VALUES(4,37,1.5552000142633913754e-05);
INSERT INTO samples VALUES(4,38,1.5712000429630280868e-05);
INSERT INTO samples VALUES(4,39,1.4655999839305877889e-05);
INSERT INTO samples VALUES(4,40,1.5680000185966492485e-05);
INSERT INTO samples VALUES(4,41,1.5039999969303608997e-05);
INSERT INTO samples VALUES(4,42,1.5519999898970128758e-05);
INSERT INTO samples VALUES(4,43,1.4879999682307243577e-05);
INSERT INTO samples VALUES(4,44,1.5391999855637550028e-05);
INSERT INTO samples VALUES(4,45,1.5680000185966492485e-05);
INSERT INTO samples VALUES(4,46,1.4623999595642089505e-05);
INSERT INTO samples VALUES(4,47,1.5007999725639820614e-05);
INSERT INTO samples VALUES(4,48,1.491199992597103196e-05);
INSERT INTO samples VALUES(4,49,1.4751999638974666541e-05);
INSERT INTO samples VALUES(5,0,1.587199978530406979e-05);
INSERT INTO samples VALUES(5,1,1.6031999140977858711e-05);
INSERT INTO samples VALUES(5,2,1.5424000099301338412e-05);
INSERT INTO samples VALUES(5,3,1.513599976897239765e-05);
INSERT INTO samples VALUES(5,4,1.5456000342965126796e-05);
INSERT INTO samples VALUES(5,5,1.5328000299632548066e-05);
INSERT INTO samples VALUES(5,6,1.5424000099301338412e-05);
INSERT INTO samples VALUES(5,7,1.5456000342965126796e-05);
INSERT INTO samples VALUES(5,8,1.529600005596876307e-05);
INSERT INTO samples VALUES(5,9,1.5584000386297702138e-05);
INSERT INTO samples VALUES(5,10,1.5263999812304974686e-05);
INSERT INTO samples VALUES(5,11,1.5456000342965126796e-05);
INSERT INTO samples VALUES(5,12,1.5263999812304974686e-05);
INSERT INTO samples VALUES(5,13,1.587199978530406979e-05);
INSERT INTO samples VALUES(5,14,1.513599976897239765e-05);
INSERT INTO samples VALUES(5,15,1.529600005596876307e-05);
INSERT INTO samples VALUES(5,16,1.5072000212967395687e-05);
INSERT INTO samples VALUES(5,17,1.6383999958634377935e-05);
INSERT INTO samples VALUES(5,18,1.5200000256299972724e-05);
INSERT INTO samples VALUES(5,19,1.6575999557971955239e-05);
INSERT INTO samples VALUES(5,20,1.5039999969303608997e-05);
INSERT INTO samples VALUES(5,21,1.6416000202298166319e-05);
INSERT INTO samples VALUES(5,22,1.5200000256299972724e-05);
INSERT INTO samples VALUES(5,23,1.696000061929225946e-05);
INSERT INTO samples VALUES(5,24,1.5007999725639820614e-05);
INSERT INTO samples VALUES(5,25,1.6799999400973320928e-05);
INSERT INTO samples VALUES(5,26,1.5328000299632548066e-05);
INSERT INTO samples VALUES(5,27,1.696000061929225946e-05);
INSERT INTO samples VALUES(5,28,1.5391999855637550028e-05);
INSERT INTO samples VALUES(5,29,1.6416000202298166319e-05);
INSERT INTO samples VALUES(5,30,1.5359999611973761644e-05);
INSERT INTO samples VALUES(5,31,1.5391999855637550028e-05);
INSERT INTO samples VALUES(5,32,1.5200000256299972724e-05);
INSERT INTO samples VALUES(5,33,1.5807999297976493022e-05);
INSERT INTO samples VALUES(5,34,1.4879999682307243577e-05);
INSERT INTO samples VALUES(5,35,1.6000000759959219937e-05);
INSERT INTO samples VALUES(5,36,1.5391999855637550028e-05);
INSERT INTO samples VALUES(5,37,1.6224000602960585626e-05);
INSERT INTO samples VALUES(5,38,1.5039999969303608997e-05);
INSERT INTO samples VALUES(5,39,1.5552000142633913754e-05);
INSERT INTO samples VALUES(5,40,1.4848000369966029999e-05);
INSERT INTO samples VALUES(5,41,1.5487999655306340375e-05);
INSERT INTO samples VALUES(5,42,1.5231999568641186302e-05);
INSERT INTO samples VALUES(5,43,1.5391999855637550028e-05);
INSERT INTO samples VALUES(5,44,1.5039999969303608997e-05);
INSERT INTO samples VALUES(5,45,1.4976000413298607035e-05);
INSERT INTO samples VALUES(5,46,1.5359999611973761644e-05);
INSERT INTO samples VALUES(5,47,1.4783999882638454925e-05);
INSERT INTO samples VALUES(5,48,1.5007999725639820614e-05);
INSERT INTO samples VALUES(5,49,1.4783999882638454925e-05);
INSERT INTO samples VALUES(6,0,1.5968000516295434941e-05);
INSERT INTO samples VALUES(6,1,1.7567999660968779758e-05);
INSERT INTO samples VALUES(6,2,1.619200035929680063e-05);
INSERT INTO samples VALUES(6,3,1.6448000445961951315e-05);
INSERT INTO samples VALUES(6,4,1.6480000689625739699e-05);
INSERT INTO samples VALUES(6,5,1.6448000445961951315e-05);
INSERT INTO samples VALUES(6,6,1.6543999314308166856e-05);
INSERT INTO samples VALUES(6,7,1.6127999871969223862e-05);
INSERT INTO samples VALUES(6,8,1.6992000862956047843e-05);
INSERT INTO samples VALUES(6,9,1.6063999384641647095e-05);
INSERT INTO samples VALUES(6,10,1.6416000202298166319e-05);
INSERT INTO samples VALUES(6,11,1.619200035929680063e-05);
INSERT INTO samples VALUES(6,12,1.6416000202298166319e-05);
INSERT INTO samples VALUES(6,13,1.625600084662437401e-05);
INSERT INTO samples VALUES(6,14,1.6640000045299532007e-05);
INSERT INTO samples VALUES(6,15,1.6351999714970589551e-05);
INSERT INTO samples VALUES(6,16,1.6704000532627105387e-05);
INSERT INTO samples VALUES(6,17,1.6160000115633012246e-05);
INSERT INTO samples VALUES(6,18,1.6672000288963317003e-05);
INSERT INTO samples VALUES(6,19,1.6224000602960585626e-05);
INSERT INTO samples VALUES(6,20,1.6480000689625739699e-05);
INSERT INTO samples VALUES(6,21,1.6543999314308166856e-05);
INSERT INTO samples VALUES(6,22,1.6736000776290893771e-05);
INSERT INTO samples VALUES(6,23,1.7408000305294990837e-05);
INSERT INTO samples VALUES(6,24,1.6543999314308166856e-05);
INSERT INTO samples VALUES(6,25,1.696000061929225946e-05);
INSERT INTO samples VALUES(6,26,1.6448000445961951315e-05);
INSERT INTO samples VALUES(6,27,1.7216000705957413532e-05);
INSERT INTO samples VALUES(6,28,1.6767999157309532544e-05);
INSERT INTO samples VALUES(6,29,1.6031999140977858711e-05);
INSERT INTO samples VALUES(6,30,1.6383999958634377935e-05);
INSERT INTO samples VALUES(6,31,1.6543999314308166856e-05);
INSERT INTO samples VALUES(6,32,1.6799999400973320928e-05);
INSERT INTO samples VALUES(6,33,1.6000000759959219937e-05);
INSERT INTO samples VALUES(6,34,1.6607999801635743623e-05);
INSERT INTO samples VALUES(6,35,1.6287999227643012783e-05);
INSERT INTO samples VALUES(6,36,1.6736000776290893771e-05);
INSERT INTO samples VALUES(6,37,1.6095999628305435479e-05);
INSERT INTO samples VALUES(6,38,1.6767999157309532544e-05);
INSERT INTO samples VALUES(6,39,1.6127999871969223862e-05);
INSERT INTO samples VALUES(6,40,1.625600084662437401e-05);
INSERT INTO samples VALUES(6,41,1.6351999714970589551e-05);
INSERT INTO samples VALUES(6,42,1.6448000445961951315e-05);
INSERT INTO samples VALUES(6,43,1.6287999227643012783e-05);
INSERT INTO samples VALUES(6,44,1.6928000375628471076e-05);
INSERT INTO samples VALUES(6,45,1.6127999871969223862e-05);
INSERT INTO samples VALUES(6,46,1.5839999541640281406e-05);
INSERT INTO samples VALUES(6,47,1.5936000272631646557e-05);
INSERT INTO samples VALUES(6,48,1.5807999297976493022e-05);
INSERT INTO samples VALUES(6,49,1.5647999942302704101e-05);
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
