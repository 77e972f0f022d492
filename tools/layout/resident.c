/* Prints the page numbers of FILE that are in the page cache (mincore), one per line. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	int fd = argc == 2 ? open(argv[1], O_RDONLY) : -1;
	if (fd < 0 || fstat(fd, &st) < 0)
		return perror(argc == 2 ? argv[1] : "usage: resident FILE"), 1;
	size_t pages = (st.st_size + 4095) / 4096;
	void *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *vec = malloc(pages);
	if (p == MAP_FAILED || vec == NULL || mincore(p, st.st_size, vec) < 0)
		return perror("mincore"), 1;
	for (size_t i = 0; i < pages; i++)
		if (vec[i] & 1)
			printf("%zu\n", i);
	return 0;
}
