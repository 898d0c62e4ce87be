// hnswlib_bench.cpp: the hnswlib peer for ruvector's benchmark.
//
// Same contract and output as `ruvector bench --json`: build with T threads
// (hnswlib's own ParallelFor pattern from its Python bindings), then for each
// ef run every query one at a time on one thread, and print one JSON line:
//   {"ef":..,"recall":..,"qps":..,"p50_us":..,"p99_us":..,"build_s":..,
//    "threads":..,"bytes_per_vector":..,"build_cpu_s":..}
// hnswlib picks its SIMD at compile time, so this is built with -O3
// -march=native: the strongest hnswlib this machine can run.
// bytes_per_vector is the growth of resident memory over the build divided
// by n (hnswlib allocates its whole index up front, plus per-element locks).
//
// usage: hnswlib_bench --base B --query Q --gt G --metric l2|ip|cosine
//                      --m 16 --ef-construction 200 --ef 10,20,... --threads T --k 10
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

static bool read_vecs(const std::string &path, std::vector<float> &out, size_t &n, size_t &dim)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		return false;
	f.seekg(0, std::ios::end);
	size_t size = (size_t)f.tellg();
	f.seekg(0);
	int32_t d = 0;
	f.read((char *)&d, 4);
	if (d <= 0 || size % (4 + (size_t)d * 4))
		return false;
	dim = (size_t)d;
	n = size / (4 + dim * 4);
	out.resize(n * dim);
	f.seekg(0);
	for (size_t i = 0; i < n; i++) {
		f.read((char *)&d, 4);
		f.read((char *)&out[i * dim], (std::streamsize)(dim * 4));
	}
	return (bool)f;
}

static size_t rss_bytes()
{
	std::ifstream f("/proc/self/statm");
	size_t pages = 0, resident = 0;
	f >> pages >> resident;
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

// CPU time of the whole process (all threads), for build_cpu_s.
static double cpu_s()
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static double now()
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char **argv)
{
	std::string base, query, gt, metric = "l2", efs = "10,20,40,80,160,320";
	size_t m = 16, efc = 200, threads = 1, k = 10;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string o = argv[i], v = argv[i + 1];
		if (o == "--base") base = v;
		else if (o == "--query") query = v;
		else if (o == "--gt") gt = v;
		else if (o == "--metric") metric = v;
		else if (o == "--m") m = std::stoul(v);
		else if (o == "--ef-construction") efc = std::stoul(v);
		else if (o == "--ef") efs = v;
		else if (o == "--threads") threads = std::stoul(v);
		else if (o == "--k") k = std::stoul(v);
		else { fprintf(stderr, "hnswlib_bench: unknown option %s\n", o.c_str()); return 2; }
	}
	std::vector<float> xb, xq, gtf;
	size_t n, dim, nq, qdim, ngt, gk;
	if (!read_vecs(base, xb, n, dim) || !read_vecs(query, xq, nq, qdim) || !read_vecs(gt, gtf, ngt, gk) ||
	    qdim != dim || ngt < nq || gk < k) {
		fprintf(stderr, "hnswlib_bench: cannot read the data files\n");
		return 1;
	}
	const int32_t *truth = (const int32_t *)gtf.data();
	hnswlib::SpaceInterface<float> *space;
	if (metric == "l2")
		space = new hnswlib::L2Space(dim);
	else
		space = new hnswlib::InnerProductSpace(dim);
	if (metric == "cosine") { // hnswlib's Python "cosine" space: normalise, then inner product
		for (std::vector<float> *v : {&xb, &xq})
			for (size_t i = 0; i < v->size() / dim; i++) {
				double s = 0;
				for (size_t j = 0; j < dim; j++) s += (double)(*v)[i * dim + j] * (*v)[i * dim + j];
				float inv = (float)(1.0 / std::sqrt(s));
				for (size_t j = 0; j < dim; j++) (*v)[i * dim + j] *= inv;
			}
	}
	size_t rss0 = rss_bytes();
	double cpu0 = cpu_s();
	double t0 = now();
	auto *index = new hnswlib::HierarchicalNSW<float>(space, n, m, efc);
	// hnswlib's Python bindings add the first point alone, then the rest in parallel.
	index->addPoint(xb.data(), 0);
	std::atomic<size_t> next(1);
	std::vector<std::thread> pool;
	for (size_t t = 0; t < threads; t++)
		pool.emplace_back([&]() {
			for (size_t i; (i = next.fetch_add(1)) < n;)
				index->addPoint(xb.data() + i * dim, i);
		});
	for (auto &th : pool) th.join();
	double build_s = now() - t0;
	double build_cpu_s = cpu_s() - cpu0;
	double bpv = (double)(rss_bytes() - rss0) / (double)n;

	std::vector<double> lat(nq);
	bool warmed = false;
	size_t pos = 0;
	while (pos < efs.size()) {
		size_t comma = efs.find(',', pos);
		size_t ef = std::stoul(efs.substr(pos, comma - pos));
		pos = comma == std::string::npos ? efs.size() : comma + 1;
		index->setEf(ef);
		for (int pass = warmed ? 1 : 0; pass < 2; pass++) { // first ef: one untimed warm-up pass
			size_t found = 0;
			double total = 0;
			for (size_t q = 0; q < nq; q++) {
				double a = now();
				auto res = index->searchKnn(xq.data() + q * dim, k);
				double b = now();
				lat[q] = (b - a) * 1e6;
				total += b - a;
				while (!res.empty()) {
					size_t id = res.top().second;
					res.pop();
					for (size_t j = 0; j < k; j++)
						if ((size_t)truth[q * gk + j] == id) { found++; break; }
				}
			}
			if (pass == 0) { warmed = true; continue; }
			std::sort(lat.begin(), lat.end());
			printf("{\"ef\":%zu,\"recall\":%.4f,\"qps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"build_s\":%.3f,"
			       "\"threads\":%zu,\"bytes_per_vector\":%.1f,\"build_cpu_s\":%.3f}\n",
			       ef, (double)found / (double)(nq * k), (double)nq / total, lat[nq / 2],
			       lat[(size_t)((double)(nq - 1) * 0.99)], build_s, threads, bpv, build_cpu_s);
			fflush(stdout);
		}
	}
	delete index;
	delete space;
	return 0;
}
