/*
 * fixture_files.h: a checksum of every file under a fixture directory, so
 * the fixture tests prove that opening a committed database (read-only or
 * not) changes none of its bytes.
 */
#ifndef RV_TEST_FIXTURE_FILES_H
#define RV_TEST_FIXTURE_FILES_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

typedef struct file_sum {
	char path[512];
	uint64_t size, hash;
} file_sum;

static int sum_dir(const char *dir, file_sum *out, int n, int max)
{
	DIR *d = opendir(dir);
	if (!d)
		return n;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			n = sum_dir(p, out, n, max);
			continue;
		}
		file_sum *f = &out[n++];
		snprintf(f->path, sizeof f->path, "%s", p);
		f->size = (uint64_t)st.st_size;
		f->hash = 1469598103934665603ull;
		FILE *fp = fopen(p, "rb");
		int ch;
		while (fp && (ch = fgetc(fp)) != EOF)
			f->hash = (f->hash ^ (unsigned char)ch) * 1099511628211ull;
		if (fp)
			fclose(fp);
	}
	closedir(d);
	return n;
}

#endif
