# kill -9 of the postmaster (and its backends) while rows are being inserted,
# one transaction each; after restart (crash recovery replays the Generic
# WAL) the index answers, its recall against exact search holds and the graph
# check passes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = off\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION ruvector;
	CREATE TABLE t (id serial PRIMARY KEY, v ruvector(16));
	CREATE INDEX t_idx ON t USING ruhnsw (v) WITH (m = 8, ef_construction = 40);
});

# Inserts, one committed transaction per row, until killed.
my ($out, $err) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', q{
		DO $$ BEGIN
			FOR i IN 1..1000000 LOOP
				INSERT INTO t (v) SELECT array_agg(random())::real[] FROM generate_series(1, 16);
				COMMIT;
			END LOOP;
		END $$;
	} ], '>', \$out, '2>', \$err);

my $rows = 0;
for (my $i = 0; $i < 600 && $rows < 3000; $i++) {
	usleep(100_000);
	$rows = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
}
ok($rows >= 3000, "inserts running ($rows rows committed)");

# Power cut: the postmaster and every backend at once.
my $pid = PostgreSQL::Test::Utils::slurp_file($node->data_dir . '/postmaster.pid');
($pid) = split /\n/, $pid;
my @children = split /\s+/, `ps -o pid= --ppid $pid`;
kill 'KILL', $pid;
kill 'KILL', grep { /^\d+$/ } @children;
for (my $i = 0; $i < 100 && kill(0, $pid, grep { /^\d+$/ } @children); $i++) {
	usleep(100_000);
}
$h->finish;
$node->{_pid} = undef; # as Cluster::kill9 leaves it: postmaster.pid stays, stale
ok(1, "killed postmaster $pid and " . scalar(@children) . ' children');

$node->start;
my $after = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
ok($after >= $rows, "restart after crash recovery: $after rows");

my $check = $node->safe_psql('postgres', 'SELECT bad_links, entry_ok, unreachable, nodes FROM ruhnsw_check(\'t_idx\')');
my ($bad, $entry_ok, $unreachable, $nodes) = split /\|/, $check;
is($bad, 0, 'no link names a missing node');
is($entry_ok, 't', 'the entry point is sound');
ok($nodes >= $after, "every committed row has a node ($nodes nodes)");
# A crash between writing a node and linking it back leaves it unreachable.
ok($unreachable <= 2, "at most the node being inserted is unreachable ($unreachable)");

# Recall@10 over 30 queries against exact search.
my $recall = $node->safe_psql('postgres', q{
	SELECT setseed(0.5);
	CREATE TABLE q AS SELECT i AS qid, (SELECT array_agg(random())::real[]::ruvector(16) FROM generate_series(1, 16) WHERE i > 0) AS v
		FROM generate_series(1, 30) i;
	SET enable_seqscan = off;
	CREATE TABLE approx AS SELECT qid, x.id FROM q CROSS JOIN LATERAL (SELECT id FROM t ORDER BY t.v <-> q.v LIMIT 10) x;
	SET enable_seqscan = on; SET enable_indexscan = off;
	CREATE TABLE exact AS SELECT qid, x.id FROM q CROSS JOIN LATERAL (SELECT id FROM t ORDER BY t.v <-> q.v, id LIMIT 10) x;
	SELECT (SELECT count(*) FROM approx JOIN exact USING (qid, id))::float / 300;
});
($recall) = reverse split /\n/, $recall;
ok($recall >= 0.95, "recall\@10 after the crash: $recall");

# The index still takes inserts.
$node->safe_psql('postgres', q{INSERT INTO t (v) SELECT array_agg(random())::real[] FROM generate_series(1, 16)});
$check = $node->safe_psql('postgres', 'SELECT bad_links, entry_ok FROM ruhnsw_check(\'t_idx\')');
is($check, '0|t', 'graph check passes after further inserts');
$node->stop;
done_testing();
