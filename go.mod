module github.com/heraldcti/herald

go 1.26.8
