# A streaming standby replays the index's Generic WAL: after a build, inserts,
# deletes and VACUUM on the primary, index scans on the standby return the
# same ids as on the primary, and they are index scans there too.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION ruvector;
	SELECT setseed(0.25);
	CREATE TABLE t (id int PRIMARY KEY, v ruvector(16));
	INSERT INTO t SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 16) WHERE i > 0)
		FROM generate_series(1, 2000) i;
	CREATE INDEX t_idx ON t USING ruhnsw (v) WITH (m = 8, ef_construction = 40);
	CREATE TABLE q (qid int, v ruvector(16));
	INSERT INTO q SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 16) WHERE i > 0)
		FROM generate_series(1, 20) i;
});
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;

# Changes after the base backup reach the standby only through WAL.
$primary->safe_psql('postgres', q{
	INSERT INTO t SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 16) WHERE i > 0)
		FROM generate_series(2001, 3000) i;
	DELETE FROM t WHERE id % 7 = 0;
	VACUUM t;
});
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

my $query = q{
	SET enable_seqscan = off;
	SELECT qid, (SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY t.v <-> q.v LIMIT 10) s)
	FROM q ORDER BY qid;
};
my $on_primary = $primary->safe_psql('postgres', $query);
my $on_standby = $standby->safe_psql('postgres', $query);
is(scalar(split /\n/, $on_primary), 20, 'primary answers every query');
is($on_standby, $on_primary, 'standby returns the same ids as the primary');
like($on_standby, qr/^1\|\{\d+(,\d+){9}\}/, 'ten ids per query');
unlike($on_primary, qr/\b(7|14|21|2002)\b[,}]/, 'deleted rows are gone');

my $plan = $standby->safe_psql('postgres',
	q{SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> (SELECT v FROM q LIMIT 1) LIMIT 10});
like($plan, qr/Index Scan using t_idx/, 'the standby scans the index');
my $check = $standby->safe_psql('postgres', 'SELECT bad_links, entry_ok FROM ruhnsw_check(\'t_idx\')');
is($check, '0|t', 'the replayed graph passes the check');

$standby->stop;
$primary->stop;
done_testing();
