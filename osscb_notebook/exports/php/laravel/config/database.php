<?php

// No database is used by the callback hook; Laravel's console commands expect the configuration.
return [
    'default' => env('DB_CONNECTION', 'sqlite'),
    'connections' => [
        'sqlite' => ['driver' => 'sqlite', 'database' => env('DB_DATABASE', database_path('database.sqlite')), 'prefix' => ''],
    ],
    'migrations' => 'migrations',
];
