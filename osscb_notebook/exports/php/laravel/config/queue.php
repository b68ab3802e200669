<?php

// dispatch(...)->afterResponse() runs in this process after the reply; a real queue (database,
// redis) with `php artisan queue:work` takes slow work out of the web process altogether.
return [
    'default' => env('QUEUE_CONNECTION', 'sync'),
    'connections' => [
        'sync' => ['driver' => 'sync'],
    ],
    'failed' => ['driver' => 'null'],
];
