# The cluster kit on loopback: a coordinator and three shards (the third with
# a streaming standby), set up by pg/cluster/setup.sh. ruvector_topk returns
# the exact single-node ids at high ef, k rows even when k is above the
# default ef, a clear error when a shard is down, and answers from the
# standby (libpq multi-host) when a shard's primary stops.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $kit = $ENV{RV_CLUSTER_DIR} or die 'RV_CLUSTER_DIR not set';

sub node {
	my ($name, %opts) = @_;
	my $n = PostgreSQL::Test::Cluster->new($name);
	$n->init(%opts);
	$n->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'\n");
	$n->start;
	return $n;
}
sub tcp { my $n = shift; return 'host=127.0.0.1 port=' . $n->port . ' dbname=postgres'; }

my $coord = node('coord');
my @shards = (node('shard0'), node('shard1'), node('shard2', allows_streaming => 1));
$shards[2]->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('shard2_standby');
$standby->init_from_backup($shards[2], 'b', has_streaming => 1);
$standby->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'\n");
$standby->start;

my $multi = 'host=127.0.0.1,127.0.0.1 port=' . $shards[2]->port . ',' . $standby->port . ' dbname=postgres';
system_or_bail('sh', "$kit/setup.sh", 'items', '16', tcp($coord), tcp($shards[0]), tcp($shards[1]), $multi);

$coord->safe_psql('postgres', q{
	SELECT setseed(0.125);
	INSERT INTO items SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 16) WHERE i > 0)
		FROM generate_series(1, 3000) i;
	CREATE TABLE allrows AS SELECT * FROM items;
	CREATE TABLE q AS SELECT i AS qid, (SELECT array_agg(random())::real[]::ruvector(16) FROM generate_series(1, 16) WHERE i > 0) AS v
		FROM generate_series(1, 10) i;
});
my @counts = map { $_->safe_psql('postgres', "SELECT count(*) FROM items_p" . $_->name =~ s/\D//gr) } @shards;
ok((grep { $_ > 800 } @counts) == 3, "rows spread over the shards: @counts");

# High ef: every shard's search covers its whole graph, so the merged ids
# are the exact ones of a single node.
my $cmp = q{
	SELECT count(*) FROM q,
		LATERAL (SELECT array_agg(id ORDER BY distance, id) AS a FROM ruvector_topk('items', q.v, 10, 2000)) t,
		LATERAL (SELECT array_agg(id ORDER BY d, id) AS b FROM
			(SELECT id, embedding <-> q.v AS d FROM allrows ORDER BY d, id LIMIT 10) x) e
	WHERE a IS DISTINCT FROM b};
is($coord->safe_psql('postgres', $cmp), '0', 'ruvector_topk at high ef equals exact single-node results');
my $dist = $coord->safe_psql('postgres', q{
	SELECT count(*) FROM ruvector_topk('items', (SELECT v FROM q WHERE qid = 1), 10) t
	JOIN allrows a USING (id) WHERE abs(t.distance - (a.embedding <-> (SELECT v FROM q WHERE qid = 1))) > 1e-9});
is($dist, '0', 'the distances are the rows\' distances');

# k above ef: every shard still returns k rows (the iterative scan widens).
is($coord->safe_psql('postgres', q{SET ruvector.ef_search = 10;
	SELECT count(*) FROM ruvector_topk('items', (SELECT v FROM q LIMIT 1), 200)}), '200',
	'k = 200 with ruvector.ef_search = 10 returns 200 rows');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM ruvector_topk('items', (SELECT v FROM q LIMIT 1), 150, 5)}),
	'150', 'k = 150 with ef = 5 returns 150 rows');

# A stopped shard: a clear error, never a partial answer.
$shards[1]->stop;
my ($rc, $out, $err) = $coord->psql('postgres', q{SELECT count(*) FROM ruvector_topk('items', (SELECT v FROM q LIMIT 1), 10)});
isnt($rc, 0, 'the query fails with a shard down');
like($err, qr/shard server "items_shard1"/, "the error names the shard: $err");
$shards[1]->start;
is($coord->safe_psql('postgres', q{SELECT count(*) FROM ruvector_topk('items', (SELECT v FROM q LIMIT 1), 10)}), '10',
	'answers again once the shard is back');

# Failover to the standby of shard 2.
$shards[2]->wait_for_catchup($standby, 'replay', $shards[2]->lsn('insert'));
my $before = $coord->safe_psql('postgres', q{SELECT array_agg(id ORDER BY distance, id) FROM ruvector_topk('items', (SELECT v FROM q WHERE qid = 2), 10, 2000)});
$shards[2]->stop;
my $after = $coord->safe_psql('postgres', q{SELECT array_agg(id ORDER BY distance, id) FROM ruvector_topk('items', (SELECT v FROM q WHERE qid = 2), 10, 2000)});
is($after, $before, 'with shard 2\'s primary stopped its standby answers, same ids');

$_->stop for ($coord, $shards[0], $shards[1], $standby);
done_testing();
