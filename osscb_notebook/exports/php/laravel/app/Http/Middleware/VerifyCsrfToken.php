<?php

namespace App\Http\Middleware;

use App\Http\Controllers\OssCallbackController;
use Illuminate\Foundation\Http\Middleware\VerifyCsrfToken as Middleware;

class VerifyCsrfToken extends Middleware
{
    /**
     * The URIs that should be excluded from CSRF verification: OSS's callbacks carry no token
     * (their RSA signature authenticates them).
     *
     * @var array<int, string>
     */
    protected $except = OssCallbackController::CALLBACK_PATHS;
}
