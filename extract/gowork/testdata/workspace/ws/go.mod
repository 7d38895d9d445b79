module example.com/ws

go 1.23.0
